/**
 * A restricted reader for the Python pickle streams inside `torch.save` files (protocol 2, as PyTorch
 * writes them). It implements only the opcodes a state dict uses and never executes code. GLOBAL and
 * STACK_GLOBAL resolve only names on an allow-list, and REDUCE calls only the callables the caller implements.
 * Every other opcode or name is rejected with an error that names it. Opcode semantics follow the
 * Python standard library's pickletools documentation.
 */

/** A Python global that passed the allow-list, e.g. `collections.OrderedDict`. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A Python dict or OrderedDict; `attributes` is the state that BUILD set on it (e.g. a state dict's `_metadata`). */
export class PickleDict {
  readonly entries = new Map<unknown, unknown>();
  attributes: unknown = undefined;
}

/** A Python tuple (lists are plain arrays). */
export class PickleTuple {
  constructor(readonly items: unknown[]) {}
}

/** Callbacks that resolve what the reader may not execute itself. */
export interface PickleHandlers {
  /** Globals that GLOBAL/STACK_GLOBAL may load, as "module name" strings. */
  allowedGlobals: ReadonlySet<string>;
  /** Calls an allowed global with arguments (REDUCE); throw for a global that is not callable. */
  call(callable: PickleGlobal, args: unknown[]): unknown;
  /** Resolves a persistent id (BINPERSID), e.g. a torch storage reference. */
  persistentLoad(pid: unknown): unknown;
}

/** Limits that keep hostile streams from exhausting memory. */
const maxStackDepth = 1_000_000;
const maxStringBytes = 1 << 26;

const opcodeNames: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2',
  0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
};

/** Marks the stack position of a MARK opcode. */
const markSymbol = Symbol('mark');

/** Returns the object a pickle stream builds, using `handlers` for globals, calls and persistent ids. */
export function readPickle(bytes: Uint8Array, handlers: PickleHandlers): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let position = 0;

  const fail = (message: string): never => {
    throw new Error(`Pickle stream invalid at byte ${position}: ${message}`);
  };
  const need = (count: number): void => {
    if (position + count > bytes.length) {
      fail(`truncated (needs ${count} more bytes, ${bytes.length - position} left)`);
    }
  };
  const readUint8 = (): number => {
    need(1);
    return bytes[position++];
  };
  const readUint16 = (): number => {
    need(2);
    const value = view.getUint16(position, true);
    position += 2;
    return value;
  };
  const readUint32 = (): number => {
    need(4);
    const value = view.getUint32(position, true);
    position += 4;
    return value;
  };
  const readText = (length: number): string => {
    if (length > maxStringBytes) {
      fail(`string of ${length} bytes exceeds the limit of ${maxStringBytes}`);
    }
    need(length);
    const text = decoder.decode(bytes.subarray(position, position + length));
    position += length;
    return text;
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0) {
      fail('truncated (line without newline)');
    }
    const text = decoder.decode(bytes.subarray(position, end));
    position = end + 1;
    return text;
  };
  const push = (value: unknown): void => {
    if (stack.length >= maxStackDepth) {
      fail(`stack exceeds ${maxStackDepth} entries`);
    }
    stack.push(value);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || stack[stack.length - 1] === markSymbol) {
      fail('stack underflow');
    }
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) {
      fail('stack underflow');
    }
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const markIndex = stack.lastIndexOf(markSymbol);
    if (markIndex < 0) {
      fail('no MARK on the stack');
    }
    const items = stack.splice(markIndex + 1);
    stack.pop();
    return items;
  };
  const loadGlobal = (module: string, name: string): PickleGlobal => {
    if (!handlers.allowedGlobals.has(`${module} ${name}`)) {
      throw new Error(
        `Pickle global ${module}.${name} is not allowed: a state dict uses only ${[...handlers.allowedGlobals].map((entry) => entry.replace(' ', '.')).join(', ')}.`,
      );
    }
    return new PickleGlobal(module, name);
  };
  const memoKey = (key: number): unknown => {
    if (!memo.has(key)) {
      fail(`memo key ${key} is not defined`);
    }
    return memo.get(key);
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof PickleDict)) {
      fail('SETITEM(S) target is not a dict');
    }
    if (items.length % 2 !== 0) {
      fail('SETITEMS has an odd number of items');
    }
    for (let i = 0; i < items.length; i += 2) {
      (target as PickleDict).entries.set(items[i], items[i + 1]);
    }
  };

  for (;;) {
    const opcodePosition = position;
    const opcode = readUint8();
    switch (opcode) {
      case 0x80: // PROTO
        if (readUint8() > 5) {
          fail('protocol above 5');
        }
        break;
      case 0x95: // FRAME: an 8-byte length of the next frame, which needs no handling when reading in one piece.
        need(8);
        position += 8;
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) {
          fail(`STOP with ${stack.length} values on the stack (expected 1)`);
        }
        return stack[0];
      case 0x28: // MARK
        push(markSymbol);
        break;
      case 0x7d: // EMPTY_DICT
        push(new PickleDict());
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PickleTuple([]));
        break;
      case 0x74: // TUPLE
        push(new PickleTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(new PickleTuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const second = pop();
        push(new PickleTuple([pop(), second]));
        break;
      }
      case 0x87: { // TUPLE3
        const third = pop();
        const second = pop();
        push(new PickleTuple([pop(), second, third]));
        break;
      }
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: { // BININT: signed 4-byte little-endian
        need(4);
        push(view.getInt32(position, true));
        position += 4;
        break;
      }
      case 0x4b: // BININT1
        push(readUint8());
        break;
      case 0x4d: // BININT2
        push(readUint16());
        break;
      case 0x8a: { // LONG1: n-byte little-endian two's complement
        const length = readUint8();
        if (length > 7) {
          fail(`LONG1 of ${length} bytes does not fit a safe integer`);
        }
        need(length);
        let value = 0;
        for (let i = length - 1; i >= 0; i--) {
          value = value * 256 + bytes[position + i];
        }
        if (length > 0 && bytes[position + length - 1] >= 0x80) {
          value -= 2 ** (8 * length);
        }
        position += length;
        push(value);
        break;
      }
      case 0x47: { // BINFLOAT: big-endian double
        need(8);
        push(view.getFloat64(position, false));
        position += 8;
        break;
      }
      case 0x58: // BINUNICODE
        push(readText(readUint32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(readText(readUint8()));
        break;
      case 0x71: // BINPUT
        memo.set(readUint8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(readUint32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        push(memoKey(readUint8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoKey(readUint32()));
        break;
      case 0x63: { // GLOBAL: "module\nname\n"
        const module = readLine();
        push(loadGlobal(module, readLine()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          fail('STACK_GLOBAL needs two strings');
        }
        push(loadGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE: callable(*args)
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PickleGlobal)) {
          fail('REDUCE of a value that is not an allowed global');
        }
        if (!(args instanceof PickleTuple)) {
          fail('REDUCE arguments are not a tuple');
        }
        push(handlers.call(callable as PickleGlobal, (args as PickleTuple).items));
        break;
      }
      case 0x51: // BINPERSID
        push(handlers.persistentLoad(pop()));
        break;
      case 0x62: { // BUILD: set state on the object below; only dicts (an OrderedDict's __dict__) are accepted.
        const state = pop();
        const target = top();
        if (!(target instanceof PickleDict)) {
          fail('BUILD on an object that is not a dict');
        }
        (target as PickleDict).attributes = state;
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: { // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) {
          fail('APPEND target is not a list');
        }
        (list as unknown[]).push(value);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) {
          fail('APPENDS target is not a list');
        }
        (list as unknown[]).push(...items);
        break;
      }
      default: {
        const name = opcodeNames[opcode] ?? 'unknown';
        position = opcodePosition;
        fail(`opcode 0x${opcode.toString(16).padStart(2, '0')} (${name}) is not supported in a state dict`);
      }
    }
  }
}
