// Splicing independently compressed raw DEFLATE streams into one stream.
//
// libdeflate compresses whole buffers only, and each buffer ends with a
// block flagged BFINAL. To join buffers compressed in parallel into ONE
// gzip member (the form every reader handles), every buffer but the last
// must have that flag cleared and end byte-aligned. libdeflate does not say
// where its last block starts, so we find it by walking the block structure
// (decoding Huffman symbols without producing output).
#ifndef IMGBUILD_LAYERS_DEFLATE_SPLICE_H_
#define IMGBUILD_LAYERS_DEFLATE_SPLICE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace imgbuild::layers {

/// What walking a complete raw DEFLATE stream found. Bit offsets count from
/// the first byte's least significant bit, the order DEFLATE reads bits in.
struct DeflateFinalBlock {
  uint64_t header_bit = 0;         ///< First bit (BFINAL) of the final block.
  uint64_t end_bit = 0;            ///< First bit after its end-of-block code.
  uint64_t uncompressed_size = 0;  ///< Bytes the whole stream decodes to.
};

/// Walks every block of the raw DEFLATE stream `stream` up to the block
/// flagged BFINAL and returns where that block lies. Throws Error when the
/// stream is truncated or malformed (invalid block type, code or length).
DeflateFinalBlock LocateFinalBlock(std::span<const uint8_t> stream);

/// Rewrites the complete raw DEFLATE stream `stream` so that another raw
/// DEFLATE stream can be appended: clears the final block's BFINAL bit,
/// drops bytes after it and ends it with an empty stored block, which pads
/// to a byte boundary (the same marker zlib's Z_SYNC_FLUSH emits). Returns
/// what LocateFinalBlock found. Throws Error like LocateFinalBlock.
DeflateFinalBlock MakeDeflateStreamContinuable(std::vector<uint8_t>& stream);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_DEFLATE_SPLICE_H_
