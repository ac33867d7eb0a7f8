/** The image container tools: build, check/parse, damage (variants), load firmware files. */
export * from './format.js';
export * from './errors.js';
export { crc32 } from './crc32.js';
export { buildImage, encodeHeader, resealHeader, type BuildImageOptions } from './build-image.js';
export { checkImage, parseImage, decodeHeader, readFlash, type CheckOptions, type ParsedImage } from './check-image.js';
export * from './variants.js';
export * from './loaders.js';
