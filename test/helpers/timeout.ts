// uvu has no per-test timeout; every test that touches a service wraps its body in `timed`, so a hung
// connection fails that test with a message instead of stalling the file until the runner kills it.
export function timed<C>(ms: number, body: (context: C) => Promise<void> | void): (context: C) => Promise<void> {
  return async (context: C) => {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`test timed out after ${ms} ms`)), ms);
    });
    try {
      await Promise.race([Promise.resolve(body(context)), limit]);
    } finally {
      clearTimeout(timer);
    }
  };
}
