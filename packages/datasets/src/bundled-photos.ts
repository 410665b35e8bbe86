import path from 'node:path';

/**
 * Returns the absolute path of the folder of photographs bundled with @gahb/datasets: eleven public-domain
 * and CC0 images from scikit-image's sample data. photos/SOURCES.md lists the source and licence of each.
 */
export function bundledPhotosDir(): string {
  // Compiled code runs from dist/, tests from src/: the folder sits beside both, at the package root.
  return path.resolve(__dirname, '..', 'photos');
}
