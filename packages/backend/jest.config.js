// Tests run from TypeScript sources: @gahb/* imports resolve to each package's src/index.ts.
module.exports = require('../../jest.preset.js');
