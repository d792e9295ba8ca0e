/** Accept-Encoding negotiation for gzip (RFC 9110 section 12.5.3): Prometheus sends `Accept-Encoding: gzip`. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  let gzip: number | null = null;
  let wildcard: number | null = null;
  for (const part of acceptEncoding.split(',')) {
    const [coding = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    let quality = 1;
    for (const parameter of parameters) {
      const [key, value] = parameter.split('=').map((piece) => piece.trim());
      if (key === 'q') quality = Number.isFinite(Number(value)) ? Number(value) : 0;
    }
    if (coding === 'gzip' || coding === 'x-gzip') gzip = quality;
    else if (coding === '*') wildcard = quality;
  }
  return (gzip ?? wildcard ?? 0) > 0;
}
