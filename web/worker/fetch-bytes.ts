// Whole-file downloads for the worker (firmware, kernels, the machine core), with progress and messages that say
// which file failed and why. Disk images do not come through here: they load lazily (web/storage/).

/** A file the machine needs could not be fetched (the message names it and says what to do). */
export class FetchError extends Error {
  constructor(message: string) { super(message); this.name = "FetchError"; }
}

export async function fetchBytes(url: string, what: string, progress?: (loaded: number, total: number) => void): Promise<Uint8Array<ArrayBuffer>> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new FetchError(`Could not reach ${url} for the ${what} (${(e as Error).message}). Check the address and your connection.`);
  }
  if (!res.ok) {
    const hint = res.status === 404 && url.includes("/images/") ? " The firmware and guest images are made by `npm run images` (npm start does it)." : "";
    throw new FetchError(`The ${what} (${url}) could not be loaded: HTTP ${res.status} ${res.statusText}.${hint}`);
  }
  const total = Number(res.headers.get("content-length") ?? 0);
  if (!res.body || !progress) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    progress(loaded, total || loaded);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
