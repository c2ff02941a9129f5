// ADD's remote sources: http(s) URLs downloaded with libcurl the way
// BuildKit's http source stores them (mode 0600, mtime from Last-Modified
// or the Unix epoch, the name from the URL path), verified against
// --checksum; and recognising the git URLs ADD does not support yet.
#ifndef IMGBUILD_BUILDER_ADD_DOWNLOAD_H_
#define IMGBUILD_BUILDER_ADD_DOWNLOAD_H_

#include <string>
#include <string_view>

#include "builder/cancel_token.h"
#include "layers/digest.h"

namespace imgbuild::builder {

/// A downloaded file.
struct Download {
  std::string path;       ///< Where it was stored.
  std::string name;       ///< Its name: UrlFileName(url).
  layers::Digest digest;  ///< sha256 of its content.
};

/// True for "http://" and "https://" sources that are not git URLs.
bool IsHttpUrl(std::string_view source);

/// True for sources BuildKit clones with git: "git@host:path",
/// "git://...", "ssh://...", and http(s) URLs whose path ends in ".git"
/// (optionally followed by a "#ref" fragment).
bool IsGitUrl(std::string_view source);

/// The last element of the URL's path, percent-decoded, as dockerfile2llb
/// names downloads; "__unnamed__" when the path has none.
std::string UrlFileName(std::string_view url);

/// Downloads `url` into a new file in the existing directory `dir`,
/// following redirects (http and https only). `checksum` ("sha256:<hex>",
/// "sha384:<hex>" or "sha512:<hex>"; "" for none) is verified. `cancel`
/// (may be null) aborts the transfer promptly. Throws Error naming the URL
/// for a transfer failure, a status outside 200-399, a checksum mismatch
/// (naming expected and actual digests) or cancellation; the partial file
/// is removed.
Download DownloadUrl(const std::string& url, const std::string& dir, const std::string& checksum,
                     const CancelToken* cancel);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_ADD_DOWNLOAD_H_
