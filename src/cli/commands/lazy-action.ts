/**
 * Lazy command actions: a command's definition (name, options, arguments, help) is registered without
 * importing its implementation; the implementation module is imported when the command runs. This keeps
 * `costwise --help`, `--version` and `<command> --help` from loading DuckDB, the AWS SDK, Fastify and the rest.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander passes (args..., opts, cmd) untyped
type AnyAction = (...args: any[]) => unknown;

/**
 * An action handler that imports `load()`'s module on first call and runs its export `name` with the same
 * arguments commander passed (positional arguments, options, the command).
 */
export function lazyAction<M extends Record<K, AnyAction>, K extends keyof M & string>(load: () => Promise<M>, name: K): (...args: Parameters<M[K]>) => Promise<void> {
  return async (...args) => {
    await (await load())[name](...args);
  };
}
