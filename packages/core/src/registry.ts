/**
 * A named collection of plugins (architectures, data sources, samplers, backends, commands).
 * Third-party packages add entries by calling `register` when they are imported.
 */
export class Registry<T> {
  private readonly entries = new Map<string, T>();

  /** @param kind Name of what the registry holds, used in messages ("architecture", "data source"). */
  constructor(readonly kind: string) {}

  /** Adds `entry` under `name`; a name that is already taken is an error. */
  register(name: string, entry: T): void {
    if (!/^[a-z0-9][a-z0-9._:-]*$/i.test(name)) {
      throw new Error(`Cannot register ${this.kind} "${name}": names use letters, digits, ".", "_", ":" and "-".`);
    }
    if (this.entries.has(name)) {
      throw new Error(`Cannot register ${this.kind} "${name}": the name is already registered. Choose another name.`);
    }
    this.entries.set(name, entry);
  }

  /** Removes `name` (for tests and for plugins that replace an entry); returns whether it was registered. */
  unregister(name: string): boolean {
    return this.entries.delete(name);
  }

  /** Returns the entry for `name`; an unknown name is an error that lists the registered names. */
  get(name: string): T {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      const known = this.names();
      const list = known.length > 0 ? known.join(', ') : 'none registered';
      throw new Error(`Unknown ${this.kind} "${name}". Known: ${list}.`);
    }
    return entry;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names in sorted order, for help text. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Registered entries as [name, entry] pairs in sorted name order. */
  list(): Array<[string, T]> {
    return this.names().map((name) => [name, this.entries.get(name) as T]);
  }
}
