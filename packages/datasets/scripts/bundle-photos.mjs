// Copies the bundled photographs from Debian's python3-skimage sample data into ../photos, downscaled so
// that the longer side is at most 1024 pixels. Colour photographs are stored as JPEG (quality 92) and
// grayscale ones as single-channel PNG (alpha dropped), to keep the folder under about 3 MB.
// Usage (from packages/datasets): node scripts/bundle-photos.mjs [/usr/lib/python3/dist-packages/skimage/data]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const sharp = require('sharp');

const sourceDir = process.argv[2] ?? '/usr/lib/python3/dist-packages/skimage/data';
const outputDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'photos');
const MAX_SIDE = 1024;

const photos = [
  ['astronaut.png', 'colour'],
  ['rocket.jpg', 'colour'],
  ['hubble_deep_field.jpg', 'colour'],
  ['coffee.png', 'colour'],
  ['chelsea.png', 'colour'],
  ['retina.jpg', 'colour'],
  ['camera.png', 'gray'],
  ['horse.png', 'gray'],
  ['brick.png', 'gray'],
  ['grass.png', 'gray'],
  ['gravel.png', 'gray'],
];

let totalBytes = 0;
for (const [file, kind] of photos) {
  const name = path.parse(file).name;
  const pipeline = sharp(path.join(sourceDir, file)).resize({
    width: MAX_SIDE,
    height: MAX_SIDE,
    fit: 'inside',
    withoutEnlargement: true,
  });
  const outputPath = path.join(outputDir, kind === 'colour' ? `${name}.jpg` : `${name}.png`);
  const info =
    kind === 'colour'
      ? await pipeline.jpeg({ quality: 92, mozjpeg: true }).toFile(outputPath)
      : await pipeline.removeAlpha().toColourspace('b-w').png({ compressionLevel: 9 }).toFile(outputPath);
  totalBytes += info.size;
  console.log(`${path.basename(outputPath)}: ${info.width}x${info.height}, ${info.size} bytes`);
}
console.log(`total: ${totalBytes} bytes`);
