#!/usr/bin/python3
"""Writes the viewer's sample image and the viewer's e2e test images, with nibabel.

Run: /usr/bin/python3 scripts/make-sample.py   (Debian python3-nibabel 5.0.0, numpy)

Outputs (all deterministic: fixed seed, gzip mtime 0):
  public/sample.nii.gz            synthetic head phantom, 128x128x96 int16, 1.5 mm, RAS+ storage,
                                  ~280 KB.
                                  The lesion sits in the subject's LEFT hemisphere and the left
                                  lateral ventricle is larger, so left/right is visible at a glance;
                                  nose and eyes show anterior.
  test/fixtures/viewer/asym.nii.gz      36x40x30 uint8 stored in PSL-like order (a permuted,
                                  flipped affine), with a bright cube on the subject's left and a
                                  dimmer one anterior: the e2e test checks the canvas shows them on
                                  the sides labelled L and A.
  test/fixtures/viewer/fourd.nii.gz     32x32x16x5 int16 with scl_slope 0.5 / inter 10; a ball
                                  moves along x from volume to volume.
  test/fixtures/viewer/pair.hdr + .img  NIfTI-1 pair, 24x20x12 int16, LAS storage.
  test/fixtures/viewer/not-an-image.nii random bytes: no loader accepts it.
  test/fixtures/viewer/truncated.nii.gz a valid header, then the gzip stream is cut: the header
                                  loads, reading the data fails.
  test/fixtures/viewer/expected.json    the values the e2e tests assert, from nibabel.
"""
import gzip
import json
import struct
import os

import numpy as np
import nibabel as nib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, 'test', 'fixtures', 'viewer')
os.makedirs(FIX, exist_ok=True)
os.makedirs(os.path.join(ROOT, 'public'), exist_ok=True)
rng = np.random.default_rng(4)


def write_gz(raw, path):
    """Writes NIfTI bytes gzipped and returns the image as nibabel reads it back."""
    # nibabel writes gzip level 1; level 9 with mtime 0 keeps the files small and reproducible.
    with open(path, 'wb') as f:
        f.write(gzip.compress(raw, compresslevel=9, mtime=0))
    return nib.load(path)


def world_grid(shape, affine):
    """World (RAS, mm) coordinates of every voxel centre, each of shape `shape`."""
    ijk = np.indices(shape, dtype=float).reshape(3, -1)
    xyz = affine[:3, :3] @ ijk + affine[:3, 3:4]
    return [c.reshape(shape) for c in xyz]


def zoom_linear(a, shape):
    """Trilinear resampling of `a` to `shape` (corners aligned)."""
    for axis, n in enumerate(shape):
        pos = np.linspace(0, a.shape[axis] - 1, n)
        lo = np.clip(np.floor(pos).astype(int), 0, a.shape[axis] - 2)
        w = (pos - lo).reshape([-1 if k == axis else 1 for k in range(a.ndim)])
        a = np.take(a, lo, axis=axis) * (1 - w) + np.take(a, lo + 1, axis=axis) * w
    return a


def ellipsoid(x, y, z, centre, radii):
    return ((x - centre[0]) / radii[0]) ** 2 + ((y - centre[1]) / radii[1]) ** 2 + ((z - centre[2]) / radii[2]) ** 2 <= 1


def head_phantom():
    shape = (128, 128, 96)
    zoom = 1.5
    # RAS+ storage; voxel (63.5, 64, 44) sits at the world origin, so the field of view spans
    # x -95..95, y -96..94.5, z -66..76.5 mm: the whole head, nose included, cut at the neck.
    affine = np.diag([zoom, zoom, zoom, 1.0])
    affine[:3, 3] = [-63.5 * zoom, -64 * zoom, -44 * zoom]
    x, y, z = world_grid(shape, affine)
    vol = np.zeros(shape, dtype=float)
    vol[ellipsoid(x, y, z, (0, 0, 0), (72, 86, 68))] = 420  # scalp
    vol[ellipsoid(x, y, z, (0, 84, -24), (8, 10, 14))] = 420  # nose
    vol[ellipsoid(x, y, z, (0, 0, 0), (67, 81, 63))] = 90  # skull (dark on T1)
    vol[ellipsoid(x, y, z, (0, 0, 2), (63, 77, 59))] = 180  # CSF
    # Cortex with a gyral ripple, white matter inside it.
    ripple = 3 * np.sin(x / 5.0) * np.sin(y / 6.0) * np.sin(z / 5.5)
    r_brain = np.sqrt((x / 60) ** 2 + (y / 74) ** 2 + ((z - 4) / 56) ** 2) * 60
    brain = r_brain + ripple <= 60
    vol[brain] = 520
    vol[brain & (r_brain + ripple <= 47)] = 760
    # Interhemispheric fissure, one voxel wide (x = 0.75 mm): the default cursor (x = -0.75)
    # shows a midline sagittal slice of brain rather than of the fissure.
    vol[brain & (x > 0) & (x < 1.5) & (z > -5)] = 180
    # Cerebellum, posterior and inferior.
    cereb = ellipsoid(x, y, z, (0, -58, -40), (44, 22, 18))
    vol[cereb] = 600
    # Eyes: globe with dark vitreous.
    for side in (-1, 1):
        vol[ellipsoid(x, y, z, (side * 32, 66, -22), (12, 12, 12))] = 300
        vol[ellipsoid(x, y, z, (side * 32, 66, -22), (9, 9, 9))] = 60
    # Lateral ventricles: the LEFT one (x < 0) larger, an asymmetry anyone can see.
    vol[ellipsoid(x, y, z, (-11, 4, 12), (8, 30, 11))] = 180
    vol[ellipsoid(x, y, z, (9, 4, 12), (5, 26, 8))] = 180
    # A bright lesion in the LEFT hemisphere, frontal.
    vol[ellipsoid(x, y, z, (-34, 30, 22), (9, 9, 9))] = 1100
    # Texture inside the head only (the background stays zero and compressible): a smooth
    # random field, as a coil's bias field looks, rather than white noise, which would make
    # the file several times larger.
    coarse = rng.normal(0, 1, size=(17, 17, 13))
    field = zoom_linear(coarse, shape)
    head = vol > 0
    vol[head] *= 1 + 0.06 * field[head]
    # Intensities in steps of 4: halves the gzip size (~280 KB instead of ~520 KB), invisible.
    data = (np.clip(np.round(vol / 4), 0, 8191) * 4).astype(np.int16)
    img = nib.Nifti1Image(data, affine)
    img.header.set_xyzt_units('mm', 'sec')
    img.header['descrip'] = b'nibweb synthetic head phantom'
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=1)
    img.header['cal_min'] = 0
    img.header['cal_max'] = 1100
    return img


def asym_image():
    # Voxel axes: i runs posterior (P), j runs superior (S), k runs left (L).
    shape = (36, 40, 30)
    zooms = (2.0, 2.5, 3.0)
    m = np.zeros((3, 3))
    m[1, 0] = -zooms[0]  # i -> -y
    m[2, 1] = zooms[1]  # j -> +z
    m[0, 2] = -zooms[2]  # k -> -x
    centre = (np.array(shape) - 1) / 2
    affine = nib.affines.from_matvec(m, -m @ centre)
    x, y, z = world_grid(shape, affine)
    vol = np.zeros(shape, dtype=np.uint8)
    vol[ellipsoid(x, y, z, (0, 0, 0), (38, 42, 44))] = 60
    # Bright cube on the subject's left (x < 0), dimmer one anterior (y > 0), both at z ~ 0.
    vol[(np.abs(x + 22) <= 8) & (np.abs(y) <= 8) & (np.abs(z) <= 10)] = 250
    vol[(np.abs(x) <= 6) & (np.abs(y - 26) <= 6) & (np.abs(z) <= 10)] = 160
    img = nib.Nifti1Image(vol, affine)
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=2)
    img.header.set_xyzt_units('mm')
    img.header['descrip'] = b'asymmetric: bright left, dim anterior'
    return img


def fourd_image():
    shape = (32, 32, 16, 5)
    affine = nib.affines.from_matvec(np.diag([3.0, 3.0, 4.0]), [-46.5, -46.5, -30])
    vol = np.zeros(shape, dtype=np.int16)
    i, j, k = np.indices(shape[:3])
    for t in range(shape[3]):
        ball = (i - (6 + 5 * t)) ** 2 + (j - 16) ** 2 + ((k - 8) * 1.5) ** 2 <= 25
        vol[..., t][ball] = 400 + 100 * t
        vol[..., t][~ball] = 20
    img = nib.Nifti1Image(vol, affine)
    img.header.set_xyzt_units('mm', 'sec')
    img.header['pixdim'][4] = 2.0
    img.header.set_intent('time series', name='moving ball')
    img.header['descrip'] = b'4D: a ball moves along x'
    # nibabel recomputes scl_slope/scl_inter when saving int16 data, so the wanted scaling
    # (0.5, 10) is written into the header bytes afterwards: the stored integers stay as they
    # are and a reader must apply it.
    raw = bytearray(img.to_bytes())
    struct.pack_into('<ff', raw, 112, 0.5, 10.0)
    return bytes(raw)


def pair_image():
    shape = (24, 20, 12)
    affine = nib.affines.from_matvec(np.diag([-2.0, 2.0, 3.0]), [23, -19, -16.5])
    i, j, k = np.indices(shape)
    vol = (10 * i + 3 * j + k).astype(np.int16)
    img = nib.Nifti1Pair(vol, affine)
    img.header.set_xyzt_units('mm')
    img.header['descrip'] = b'nibweb pair fixture'
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=0)
    return img


def describe(img, name, extra=None):
    hdr = img.header
    out = {
        'file': name,
        'shape': list(img.shape),
        'dtype': str(hdr.get_data_dtype()),
        'zooms': [float(z) for z in hdr.get_zooms()],
        'xyzt_units': list(hdr.get_xyzt_units()),
        'axcodes': list(nib.aff2axcodes(img.affine)),
        'affine': img.affine.tolist(),
        'qform_code': int(hdr['qform_code']),
        'sform_code': int(hdr['sform_code']),
        'descrip': hdr['descrip'].item().decode(),
        # A loaded header reports (None, None): nibabel moves scl_slope/scl_inter to the proxy.
        'scaling': [float(img.dataobj.slope), float(img.dataobj.inter)],
        'fdata_min': float(np.min(img.get_fdata())),
        'fdata_max': float(np.max(img.get_fdata())),
        'raw_max': float(img.dataobj.get_unscaled().max()),
    }
    # The viewer starts with its cursor at floor((n - 1) / 2) on each spatial axis.
    fdata = img.get_fdata()
    centre = [(n - 1) // 2 for n in img.shape[:3]]
    out['centre'] = centre
    out['centre_world'] = [float(x) for x in nib.affines.apply_affine(img.affine, centre)]
    out['centre_values'] = [float(v) for v in np.atleast_1d(fdata[tuple(centre)])]
    out.update(extra or {})
    return out


expected = {'generator': 'scripts/make-sample.py', 'nibabel': nib.__version__}

sample = write_gz(head_phantom().to_bytes(), os.path.join(ROOT, 'public', 'sample.nii.gz'))
expected['sample'] = describe(sample, 'sample.nii.gz', {'voxel': {'index': [43, 100, 64], 'value': float(sample.get_fdata()[43, 100, 64])}})

asym = write_gz(asym_image().to_bytes(), os.path.join(FIX, 'asym.nii.gz'))
# The voxel at the centre of the bright cube (world (-22, 0, 0)), for the consumer test.
bright = [int(round(x)) for x in nib.affines.apply_affine(np.linalg.inv(asym.affine), [-22, 0, 0])]
expected['asym'] = describe(asym, 'asym.nii.gz', {'bright_voxel': {'index': bright, 'value': float(asym.get_fdata()[tuple(bright)])}})

fourd = write_gz(fourd_image(), os.path.join(FIX, 'fourd.nii.gz'))
fd = fourd.get_fdata()
expected['fourd'] = describe(fourd, 'fourd.nii.gz', {
    'intent': list(fourd.header.get_intent()[:1]) + [fourd.header.get_intent()[2]],
    'ball_centre_i': [6 + 5 * t for t in range(5)],
    'volume_max': [float(fd[..., t].max()) for t in range(5)],
})

pair_image().to_filename(os.path.join(FIX, 'pair.img'))
pair = nib.load(os.path.join(FIX, 'pair.hdr'))
expected['pair'] = describe(pair, 'pair.hdr', {'voxel': {'index': [5, 7, 3], 'value': float(pair.get_fdata()[5, 7, 3])}})

with open(os.path.join(FIX, 'not-an-image.nii'), 'wb') as f:
    f.write(np.random.default_rng(7).integers(0, 256, size=2000, dtype=np.uint8).tobytes())
# Header intact (inflates), voxel data cut off mid-stream.
whole = gzip.compress(asym.to_bytes(), compresslevel=9, mtime=0)
with open(os.path.join(FIX, 'truncated.nii.gz'), 'wb') as f:
    f.write(whole[: len(whole) // 2])

with open(os.path.join(FIX, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
    f.write('\n')

for p in ['public/sample.nii.gz'] + [os.path.join('test/fixtures/viewer', n) for n in sorted(os.listdir(FIX))]:
    print(f'{os.path.getsize(os.path.join(ROOT, p)):>9} {p}')
