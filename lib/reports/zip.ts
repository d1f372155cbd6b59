/**
 * A small, deterministic ZIP writer and a strict reader, for the evidence package (#17). Only what the package needs:
 * stored or deflated entries, no ZIP64 (a package over 4 GB is refused), one fixed timestamp for every entry so that
 * the same evidence always gives the same bytes. The reader trusts nothing: names are checked (no absolute paths, no
 * "..", no duplicates), every entry's CRC-32 and sizes are checked against the central directory, and the local headers
 * must agree with it (APPNOTE 6.3.10, sections 4.3.7 and 4.3.12).
 */
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";

export interface ZipEntry {
  name: string;
  content: Buffer;
}

const MAX = 0xffff_fffe;

/** MS-DOS date and time (local fields, here UTC), two-second resolution. */
function dosTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/**
 * Writes the entries in the order given. Already-compressed content (PDF streams) is stored when deflating would not
 * save a tenth of it; everything else is deflated at level 6.
 */
export function writeZip(entries: ZipEntry[], at: Date): Buffer {
  const { time, date } = dosTime(at);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new Error(`zip: duplicate entry ${e.name}`);
    names.add(e.name);
    const name = Buffer.from(e.name, "utf8");
    const crc = crc32(e.content);
    const deflated = deflateRawSync(e.content, { level: 6 });
    const stored = deflated.length > e.content.length * 0.9;
    const data = stored ? e.content : deflated;
    if (e.content.length > MAX || offset > MAX) throw new Error("zip: the package is larger than 4 GB");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(e.content.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(stored ? 0 : 8, 10);
    cd.writeUInt16LE(time, 12);
    cd.writeUInt16LE(date, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(data.length, 20);
    cd.writeUInt32LE(e.content.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, data);
    central.push(cd, name);
    offset += local.length + name.length + data.length;
  }
  const cdBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBytes, end]);
}

export class ZipError extends Error {
  override readonly name = "ZipError";
}

/** A safe entry name: relative, forward slashes, no "." or ".." segment, no control characters. */
export function safeEntryName(name: string): boolean {
  if (!name || name.length > 255 || name.startsWith("/") || /[\\:]/.test(name)) return false;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) < 0x20 || name.charCodeAt(i) === 0x7f) return false;
  return name.split("/").every((s) => s !== "" && s !== "." && s !== "..");
}

/**
 * Reads every entry of a ZIP, refusing anything the writer above would not make: encryption, other methods, ZIP64,
 * a comment that hides data, entries that overlap, a local header that disagrees with the central directory, a CRC
 * that does not match, an unsafe or repeated name, or more than `maxEntries` entries / `maxBytes` inflated in all.
 */
export function readZip(buf: Buffer, o: { maxEntries?: number; maxBytes?: number } = {}): ZipEntry[] {
  const maxEntries = o.maxEntries ?? 64;
  const maxBytes = o.maxBytes ?? 2 * 1024 ** 3;
  if (buf.length < 22) throw new ZipError("not a ZIP file (too short)");
  const eocd = buf.length - 22;
  if (buf.readUInt32LE(eocd) !== 0x06054b50)
    throw new ZipError("not a Recert evidence package: no end-of-directory record where it must be (no comment)");
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (buf.readUInt16LE(eocd + 8) !== count || buf.readUInt16LE(eocd + 4) !== 0 || buf.readUInt16LE(eocd + 6) !== 0)
    throw new ZipError("multi-disk archives are not packages");
  if (count > maxEntries) throw new ZipError(`too many entries (${count})`);
  if (cdOffset + cdSize !== eocd) throw new ZipError("the central directory is not where the end record says");
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let p = cdOffset;
  let expectedLocal = 0;
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== 0x02014b50) throw new ZipError("damaged central directory");
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString("utf8");
    p += 46 + nlen + xlen + clen;
    // Exactly what the writer makes: UTF-8 names and nothing else in the flags, no extra fields, no comments. Anything
    // more is room to hide data or to make another tool read another archive (a second directory in a comment, a
    // Unicode-path extra field that renames an entry in 7-Zip or Info-ZIP).
    if (flags !== 0x0800)
      throw new ZipError(`${name}: unexpected flags ${flags.toString(16)} (encryption, data descriptors…)`);
    if (xlen !== 0 || clen !== 0) throw new ZipError(`${name}: extra fields and comments are not allowed`);
    if (method !== 0 && method !== 8) throw new ZipError(`${name}: compression method ${method} is not allowed`);
    if (!safeEntryName(name)) throw new ZipError(`unsafe entry name ${JSON.stringify(name)}`);
    if (names.has(name)) throw new ZipError(`${name} appears twice`);
    names.add(name);
    // Entries follow each other with nothing between them: no hidden data, no overlapping entries.
    if (local !== expectedLocal) throw new ZipError(`${name}: entries overlap or hide data between them`);
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new ZipError(`${name}: damaged local header`);
    const lnlen = buf.readUInt16LE(local + 26);
    const lxlen = buf.readUInt16LE(local + 28);
    if (
      buf.readUInt16LE(local + 6) !== flags ||
      lxlen !== 0 ||
      buf.readUInt16LE(local + 8) !== method ||
      buf.readUInt32LE(local + 14) !== crc ||
      buf.readUInt32LE(local + 18) !== csize ||
      buf.readUInt32LE(local + 22) !== usize ||
      buf.subarray(local + 30, local + 30 + lnlen).toString("utf8") !== name
    )
      throw new ZipError(`${name}: the local header disagrees with the central directory`);
    const start = local + 30 + lnlen + lxlen;
    if (start + csize > cdOffset) throw new ZipError(`${name}: runs past the end of the data`);
    expectedLocal = start + csize;
    total += usize;
    if (total > maxBytes) throw new ZipError("the package inflates to more than allowed");
    const raw = buf.subarray(start, start + csize);
    let content: Buffer;
    try {
      if (method === 0) content = Buffer.from(raw);
      else {
        // The deflate stream must use exactly the entry's bytes: data after its end would be hidden.
        const r = inflateRawSync(raw, { maxOutputLength: usize + 1, info: true }) as unknown as {
          buffer: Buffer;
          engine: { bytesWritten: number };
        };
        if (r.engine.bytesWritten !== raw.length) throw new Error("bytes after the end of the compressed data");
        content = r.buffer;
      }
    } catch (e) {
      throw new ZipError(`${name}: cannot be inflated (${(e as Error).message})`);
    }
    if (content.length !== usize || crc32(content) !== crc)
      throw new ZipError(`${name}: CRC or size does not match (the entry was changed)`);
    entries.push({ name, content });
  }
  if (p !== eocd || expectedLocal !== cdOffset) throw new ZipError("bytes outside any entry");
  return entries;
}
