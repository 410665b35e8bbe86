// Jest test environment for Node that runs each test file in a vanilla vm context, one
// created with vm.constants.DONT_CONTEXTIFY (present in Node 20.20).
//
// jest-environment-node 30 contextifies a Proxy as the global object. Node then installs
// property interceptors on the context's global, and V8 cannot inline-cache a global
// variable load that goes through an interceptor, so every read of `Math`, `Float32Array`
// and other globals calls into C++. On Node 20.20 a loop that reads `Math.imul` 2e7 times
// runs about 100 times slower in such a context than in plain Node. A vanilla context has
// an ordinary global object, so global reads are inline-cached as in plain Node.
//
// Each test file still gets its own context, module registry, `process` object, mocks
// and fake timers. The differences from jest-environment-node 30.5 are:
// - Jest's `globalsCleanup` does not run, so properties that a test file sets on globals
//   are left to the garbage collector instead of being deleted at teardown.
// - testEnvironmentOptions keys other than customExportConditions are ignored
//   (jest-environment-node copies them onto the global object).
// On a Node without vm.constants.DONT_CONTEXTIFY this module exports jest-environment-node.
const vm = require('node:vm');
const { LegacyFakeTimers, ModernFakeTimers } = require('@jest/fake-timers');
const { ModuleMocker } = require('jest-mock');
const { installCommonGlobals } = require('jest-util');
const { TestEnvironment: JestNodeEnvironment } = require('jest-environment-node');

const vanillaContextFlag = vm.constants?.DONT_CONTEXTIFY;

// Host globals that copyHostGlobals skips. The constructor points the global aliases at the
// new global, and installCommonGlobals installs Jest's own symbol holder.
const hostGlobalsNotCopied = new Set(['global', 'globalThis', 'GLOBAL', 'root', 'jest-symbol-do-not-touch']);

// Legacy fake timers expect Node-style timer objects with ref() and unref().
const timerConfig = {
  idToRef: (id) => ({
    id,
    ref() {
      return this;
    },
    unref() {
      return this;
    },
  }),
  refToId: (timer) => timer?.id,
};

/**
 * Defines on `contextGlobal` every global of the host realm that the new context lacks
 * (process, Buffer, timers, URL, fetch, TextEncoder, ...). Configurable accessors, which
 * Node uses for lazily loaded globals, are resolved on first read and then stored as
 * ordinary data properties, so that loading them has no cost for test files that never
 * use them and later reads are inline-cached.
 */
function copyHostGlobals(contextGlobal) {
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    if (hostGlobalsNotCopied.has(name) || Object.prototype.hasOwnProperty.call(contextGlobal, name)) {
      continue;
    }

    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    if ('value' in descriptor || !descriptor.configurable) {
      Object.defineProperty(contextGlobal, name, descriptor);
      continue;
    }

    const defineValue = (value) =>
      Object.defineProperty(contextGlobal, name, {
        configurable: true,
        enumerable: descriptor.enumerable,
        value,
        writable: true,
      });
    Object.defineProperty(contextGlobal, name, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        const value = globalThis[name];
        defineValue(value);
        return value;
      },
      set: defineValue,
    });
  }
}

class VanillaContextNodeEnvironment {
  customExportConditions = ['node', 'node-addons'];

  constructor(config, _context) {
    const { projectConfig } = config;

    // With DONT_CONTEXTIFY, createContext returns the new context's global object itself.
    this.context = vm.createContext(vanillaContextFlag);
    const global = this.context;
    this.global = global;

    copyHostGlobals(global);
    global.global = global;
    // Buffer and TextEncoder create host-realm Uint8Arrays and ArrayBuffers. The global
    // Uint8Array and ArrayBuffer are therefore the host constructors, as in
    // jest-environment-node, so that `instanceof` checks on them hold. The other
    // typed-array constructors belong to the context.
    global.Buffer = Buffer;
    global.ArrayBuffer = ArrayBuffer;
    global.Uint8Array = Uint8Array;
    installCommonGlobals(global, projectConfig.globals);

    // Node 20 adds Symbol.dispose and Symbol.asyncDispose to the host realm only.
    if ('asyncDispose' in Symbol && !('asyncDispose' in global.Symbol)) {
      global.Symbol.asyncDispose = global.Symbol.for('nodejs.asyncDispose');
      global.Symbol.dispose = global.Symbol.for('nodejs.dispose');
    }
    global.Error.stackTraceLimit = 100;

    const { customExportConditions } = projectConfig.testEnvironmentOptions;
    if (customExportConditions !== undefined) {
      if (!Array.isArray(customExportConditions) || !customExportConditions.every((c) => typeof c === 'string')) {
        throw new TypeError(
          `Invalid testEnvironmentOptions.customExportConditions ${JSON.stringify(customExportConditions)}: expected an array of strings.`,
        );
      }
      this.customExportConditions = customExportConditions;
    }

    this.moduleMocker = new ModuleMocker(global);
    this.fakeTimers = new LegacyFakeTimers({ config: projectConfig, global, moduleMocker: this.moduleMocker, timerConfig });
    this.fakeTimersModern = new ModernFakeTimers({ config: projectConfig, global });
  }

  async setup() {}

  async teardown() {
    this.fakeTimers?.dispose();
    this.fakeTimersModern?.dispose();
    // jest-runtime reports a require() after teardown when the context is null.
    this.context = null;
    this.fakeTimers = null;
    this.fakeTimersModern = null;
  }

  exportConditions() {
    return this.customExportConditions;
  }

  getVmContext() {
    return this.context;
  }
}

module.exports = vanillaContextFlag === undefined ? JestNodeEnvironment : VanillaContextNodeEnvironment;
