// Registration of TensorFlow.js's gradient functions, which tf.grad, tf.variableGrads and optimizers need.
//
// The Node build of @tensorflow/tfjs-core 4.22.0 (dist/tf-core.node.js) registers no gradient at all:
// tf.grad of a convolution fails with "gradient function not found for Conv2D". The gradients are
// registered by the union package @tensorflow/tfjs, whose Node build adds them to the registry that every
// copy of tfjs-core shares through a global. Its ES-module sources in tfjs-core cannot be loaded by Node.
import '@tensorflow/tfjs';
