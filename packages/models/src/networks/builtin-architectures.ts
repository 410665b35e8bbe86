// Registers gahb's architectures (bf-unet, bf-cnn) in architectureRegistry; import for the side effect.
import './bf-cnn';
import './bf-unet';
