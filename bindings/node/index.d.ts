/** The path of the compiled pickle_ext extension library. */
export function getLoadablePath(): string;
/**
 * Loads pickle_ext into a better-sqlite3 Database (synchronous, returns it) or a node-sqlite3
 * Database (asynchronous: the callback, or a Promise when none is given).
 */
export function load<T extends { loadExtension: Function }>(db: T): T | Promise<T>;
export function load<T extends { loadExtension: Function }>(db: T, callback: (err: Error | null) => void): void;
