// A folder tree of flow-log files, local or in S3, as layout discovery sees it: list what is directly under a
// folder. Discovery walks only the folders a window needs through this one interface, so the same pruning
// serves a copy on disk and a bucket prefix.

/** One entry directly under a folder. */
export interface TreeEntry {
  readonly name: string;
  readonly kind: 'folder' | 'file';
  /** Size in bytes (files only). */
  readonly size?: number;
}

export interface FlowLogTree {
  /** Where the tree is, for messages: a folder path or `s3://bucket/prefix/`. */
  readonly root: string;
  /**
   * The entries directly under `root/segments...` (hidden names left out), sorted by name; an empty list
   * when that folder does not exist. Throws an InputError when it exists but cannot be read.
   */
  list(segments: readonly string[]): Promise<TreeEntry[]>;
}
