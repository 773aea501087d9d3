/**
 * nibweb: nibabel's image model for the web.
 */
export * from './errors.js';
