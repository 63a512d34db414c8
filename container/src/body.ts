/**
 * A response body as UTF-8 text, read only up to `maxBytes`. A larger body, declared or
 * streamed, is cancelled and refused: an endpoint that misbehaves cannot make the app
 * buffer more than that (the timeout alone would let it stream for seconds).
 */
export async function boundedText(response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new Error(`the response is larger than ${maxBytes} bytes`);
  if (Number(response.headers.get("content-length")) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
