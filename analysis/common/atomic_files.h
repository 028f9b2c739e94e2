// Files and folders that appear whole or not at all: every output of cachelab
// (run folders, compare/sweep/plan folders, reports, MRC files, sweep
// checkpoints) is written through these, so a reader never sees half a file
// and a failing command leaves nothing behind.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cachelab {

// Writes `files` (name, content) into `dir` atomically: a sibling temporary
// folder renamed into place, replacing a previous folder; nothing left behind
// on failure. Throws std::runtime_error on I/O errors, naming the file as
// <dir>/<name> (not the temporary folder) and saying that a previous <dir> is
// unchanged (or that nothing was written). Leftovers of writers
// of the same name that were killed ("<dir>.tmp-<pid>", "<dir>.old-<pid>" of
// a process no longer running) are removed first.
void WriteFolderAtomically(const std::string& dir,
                           const std::vector<std::pair<std::string, std::string>>& files);

// Writes one file: a sibling "<path>.tmp-<pid>" written and flushed, then
// renamed over `path`, so a reader sees the old file or the whole new one.
// Throws std::runtime_error on I/O errors, naming `path`. (Concurrent writers of one path
// must be distinct processes or must not race on the same path.) Stale
// "<path>.tmp-<pid>" files of killed writers are removed first.
void StoreFileAtomically(const std::string& path, const std::string& text);

}  // namespace cachelab
