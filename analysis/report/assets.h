// The files every report inlines, embedded into the binary at build time
// (cmake/embed_assets.cmake): uPlot's script and style, installed by `npm ci`
// from analysis/report/package-lock.json, and the page's own script and style
// (analysis/report/report.js, report.css). Each is NUL-terminated UTF-8
// (unsigned bytes: the texts hold non-ASCII characters); Text() reads one.
#pragma once

namespace cachelab::report_assets {

extern const unsigned char kUplotJs[];
extern const unsigned char kUplotCss[];
extern const unsigned char kReportJs[];
extern const unsigned char kReportCss[];

inline const char* Text(const unsigned char* asset) {
  return reinterpret_cast<const char*>(asset);
}

}  // namespace cachelab::report_assets
