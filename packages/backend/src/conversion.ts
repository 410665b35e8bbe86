import * as tf from '@tensorflow/tfjs-core';
import { assertImageBatch, imageBatchFromData, type ImageBatch } from '@gahb/core';

/**
 * Returns a Tensor4D [n, height, width, channels] with the values of `batch`. TensorFlow.js copies the
 * data into backend memory once; the ndarray is not kept.
 */
export function imageBatchToTensor(batch: ImageBatch): tf.Tensor4D {
  assertImageBatch(batch);
  const [n, height, width, channels] = batch.shape;
  return tf.tensor4d(batch.data, [n, height, width, channels], 'float32');
}

/** Returns the values of `tensor` [n, height, width, channels] as an ImageBatch; the tensor is not disposed. */
export function tensorToImageBatch(tensor: tf.Tensor): ImageBatch {
  if (tensor.rank !== 4) {
    throw new Error(`tensorToImageBatch: tensor has shape [${tensor.shape.join(', ')}]; expected rank 4 [n, height, width, channels].`);
  }
  const values = tensor.dataSync();
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return imageBatchFromData(data, tensor.shape);
}
