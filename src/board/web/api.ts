/// <reference lib="dom" />
/** The page's calls to the board's JSON API (api_types.ts). */
export async function getJson<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const q = new URLSearchParams(params).toString();
  const res = await fetch(q ? `${path}?${q}` : path, { cache: "no-store" });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `${path}: HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

/** The URL of an image or audio clip's bytes. */
export const blobUrl = (run: string, tag: string, index: number) =>
  `/data/blob?${new URLSearchParams({ run, tag, index: String(index) })}`;
