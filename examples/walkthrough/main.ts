// nibabel's "Images and memory" walkthrough as a page: each step runs nibweb and prints
// what it returned, the way the nibabel docs print Python's answers.
import { NDArray, Nifti1Image, asArray, cStrides, isProxy, load } from '../../src/index.js';

const steps = document.getElementById('steps')!;

function show(code: string, result: unknown, failed = false): void {
  const div = document.createElement('div');
  div.className = 'step';
  const pre = document.createElement('pre');
  pre.textContent = code;
  const out = document.createElement('pre');
  out.className = failed ? 'err' : 'out';
  out.textContent = typeof result === 'string' ? result : JSON.stringify(result);
  div.append(pre, out);
  steps.append(div);
}

async function run(): Promise<void> {
  const arr = new NDArray(Int16Array.from({ length: 24 }, (_, i) => i), [2, 3, 4], { strides: cStrides([2, 3, 4]) });
  const affine = [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 3, 0], [0, 0, 0, 1]];
  const img = new Nifti1Image(arr, affine);
  show('arr = arange(24) reshaped to (2, 3, 4); img = new Nifti1Image(arr, diag([1, 2, 3, 1]))', { shape: img.shape });
  show('img.dataobj === arr', img.dataobj === arr);
  show('isProxy(img.dataobj)', isProxy(img.dataobj));
  show('(await img.getData()) === arr', (await img.getData()) === arr);
  const f = await img.getFdata();
  show('(await img.getFdata()).dtype, value at [1, 2, 3]', { dtype: f.dtype, value: f.get(1, 2, 3) });

  const res = await fetch(new URL('../sample.nii.gz', window.location.href));
  const bytes = new Uint8Array(await res.arrayBuffer());
  const pimg = await load(bytes, { name: 'sample.nii.gz' });
  show("pimg = await load(bytes, { name: 'sample.nii.gz' })", { shape: pimg.shape, affine: pimg.affine });
  show('isProxy(pimg.dataobj)', isProxy(pimg.dataobj));
  show('pimg.inMemory', pimg.inMemory);
  const data = await pimg.getFdata();
  show('data = await pimg.getFdata()', { dtype: data.dtype, shape: data.shape });
  show('(await pimg.getFdata()) === data', (await pimg.getFdata()) === data);
  show('pimg.inMemory', pimg.inMemory);
  pimg.uncache();
  show('pimg.uncache(); pimg.inMemory', pimg.inMemory);
  show('(await pimg.getFdata()) === data', (await pimg.getFdata()) === data);
  const raw = await asArray(pimg.dataobj);
  show('(await asArray(pimg.dataobj)).dtype — read, not cached', raw.dtype);
}

run().catch((err: unknown) => show('error', String(err), true));
