// An empty ext4 file system with a journal, made by the host's mke2fs (e2fsprogs) so that two builds give the same
// bytes: our own mke2fs.conf instead of the host's /etc/mke2fs.conf, a fixed UUID and directory hash seed, a fixed
// clock (E2FSPROGS_FAKE_TIME, which mke2fs reads for every time stamp it writes), root-owned root directory (the
// default is the user running mke2fs) and every table written out now (no lazy init, no discard).
// Node-only (runs a program).
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BuildError, run, sudo } from "./node-util.ts";

/** mke2fs.conf of our own. The ext4 features are Debian 12's defaults, all supported by its 6.1 kernel. */
const MKE2FS_CONF = `[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384
[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
`;

export interface Ext4Options {
  sizeBytes: number;
  label: string;
  /** File system UUID and directory hash seed (RFC 4122 text form). */
  uuid: string;
  hashSeed: string;
  /** Every time stamp in the file system (creation, last write, last check, the root and lost+found inodes). */
  date: Date;
  /** Where the temporary image and config are written. */
  tmpDir: string;
}

/** mke2fs is in /sbin, which is not on an ordinary user's PATH on Debian. */
function mke2fsPath(): string {
  if (!run("mke2fs", ["-V"]).missing) return "mke2fs";
  for (const p of ["/usr/sbin/mke2fs", "/sbin/mke2fs"]) if (existsSync(p)) return p;
  throw new BuildError("`mke2fs` is not installed (the hard disk's ext4 partition is made with it).", `${sudo}apt-get install e2fsprogs`, "e2fsprogs");
}

/** "mke2fs 1.47.0 (5-Feb-2023)": part of the artefact's key, since another version may lay the file system out differently. */
export function mke2fsVersion(): string {
  const r = run(mke2fsPath(), ["-V"]);
  return (r.stderr || r.stdout).split("\n")[0].trim();
}

export function makeExt4(o: Ext4Options): Uint8Array {
  if (o.sizeBytes % 4096 !== 0 || o.sizeBytes < 8 << 20) throw new Error(`ext4: size must be a multiple of 4 KiB and at least 8 MiB (${o.sizeBytes})`);
  const img = join(o.tmpDir, `ext4.tmp-${process.pid}`), conf = join(o.tmpDir, `mke2fs.conf.tmp-${process.pid}`);
  try {
    writeFileSync(conf, MKE2FS_CONF);
    writeFileSync(img, new Uint8Array(0));
    truncateSync(img, o.sizeBytes); // sparse: mke2fs writes only the tables
    const r = run(mke2fsPath(), [
      "-q", "-F", "-t", "ext4", "-T", "default", "-b", "4096", "-I", "256",
      "-L", o.label, "-U", o.uuid, "-m", "0",
      "-E", `hash_seed=${o.hashSeed},lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0,nodiscard`,
      img,
    ], { env: { ...process.env, MKE2FS_CONFIG: conf, E2FSPROGS_FAKE_TIME: String(Math.floor(o.date.getTime() / 1000)) } });
    if (r.status !== 0) throw new BuildError(`mke2fs failed:\n${(r.stderr || r.stdout).trim()}`, `${sudo}apt-get install --reinstall e2fsprogs`, "e2fsprogs");
    const bytes = new Uint8Array(readFileSync(img));
    if (bytes.length !== o.sizeBytes) throw new Error(`ext4: mke2fs wrote ${bytes.length} bytes, expected ${o.sizeBytes}`);
    return bytes;
  } finally {
    rmSync(img, { force: true });
    rmSync(conf, { force: true });
  }
}
