#include "layers/deflate_splice.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "util/error.h"

namespace imgbuild::layers {
namespace {

constexpr int kMaxCodeBits = 15;
// Codes up to this length decode with one table lookup; longer ones (rare)
// take the bit-by-bit canonical path.
constexpr int kTableBits = 10;
constexpr int kMaxLitLenSymbols = 288;
constexpr int kMaxDistSymbols = 32;

constexpr std::array<uint16_t, 29> kLengthBase = {3,  4,  5,  6,  7,  8,  9,  10,  11,  13,
                                                  15, 17, 19, 23, 27, 31, 35, 43,  51,  59,
                                                  67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<uint8_t, 29> kLengthExtraBits = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                                      1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                                      4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<uint8_t, 30> kDistExtraBits = {0, 0, 0, 0, 1, 1, 2,  2,  3,  3,
                                                    4, 4, 5, 5, 6, 6, 7,  7,  8,  8,
                                                    9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// The order in which a dynamic block lists the code-length code lengths.
constexpr std::array<uint8_t, 19> kCodeLengthOrder = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                      11, 4,  12, 3, 13, 2, 14, 1, 15};

// Reads bits least-significant first and knows its absolute bit position.
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

  uint64_t position() const { return next_byte_ * 8 - available_; }

  // The next `count` (<= 32) bits, zero-padded past the end of the data.
  uint32_t Peek(int count) {
    if (available_ < 32) Refill();
    return static_cast<uint32_t>(buffer_ & ((uint64_t{1} << count) - 1));
  }

  void Consume(int count) {
    if (count > available_) {
      Refill();
      if (count > available_) Fail("malformed DEFLATE stream: truncated at bit {}", position());
    }
    buffer_ >>= count;
    available_ -= count;
  }

  uint32_t Read(int count) {
    uint32_t value = Peek(count);
    Consume(count);
    return value;
  }

  void AlignToByte() { Consume(available_ % 8); }

  // Skips `count` bytes; the reader must be byte aligned.
  void SkipBytes(size_t count) {
    size_t byte = position() / 8;
    if (count > data_.size() - byte) {
      Fail("malformed DEFLATE stream: stored block at byte {} runs past the end", byte);
    }
    next_byte_ = byte + count;
    buffer_ = 0;
    available_ = 0;
  }

 private:
  // Keeps the invariant that buffered bits beyond `available_` are either
  // zero or the true next bits of the stream, so OR-ing whole words is safe.
  void Refill() {
    if (data_.size() - next_byte_ >= 8) {
      uint64_t word;
      std::memcpy(&word, data_.data() + next_byte_, sizeof(word));
      if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
      buffer_ |= word << available_;
      next_byte_ += (63 - available_) / 8;
      available_ |= 56;
      return;
    }
    while (available_ <= 56 && next_byte_ < data_.size()) {
      buffer_ |= uint64_t{data_[next_byte_++]} << available_;
      available_ += 8;
    }
  }

  std::span<const uint8_t> data_;
  size_t next_byte_ = 0;
  uint64_t buffer_ = 0;
  int available_ = 0;
};

// A canonical Huffman code as DEFLATE defines it, for decoding only.
class HuffmanDecoder {
 public:
  // Builds the code from per-symbol code lengths (0 = unused). Incomplete
  // codes are allowed (DEFLATE permits a single distance code); their
  // missing codes fail when met. Over-subscribed codes throw.
  void Build(const uint8_t* lengths, int symbol_count) {
    counts_.fill(0);
    for (int s = 0; s < symbol_count; ++s) ++counts_[lengths[s]];
    counts_[0] = 0;
    int unused = 1;
    for (int len = 1; len <= kMaxCodeBits; ++len) {
      unused = unused * 2 - counts_[len];
      if (unused < 0) Fail("malformed DEFLATE stream: over-subscribed Huffman code");
    }
    std::array<uint16_t, kMaxCodeBits + 2> offsets{};
    for (int len = 1; len <= kMaxCodeBits; ++len) offsets[len + 1] = offsets[len] + counts_[len];
    std::array<uint16_t, kMaxCodeBits + 1> next_code{};
    for (int len = 1, code = 0; len <= kMaxCodeBits; ++len) {
      code = (code + counts_[len - 1]) << 1;
      next_code[len] = static_cast<uint16_t>(code);
    }
    table_.fill(0);
    for (int s = 0; s < symbol_count; ++s) {
      int len = lengths[s];
      if (len == 0) continue;
      symbols_[offsets[len]++] = static_cast<uint16_t>(s);
      uint32_t code = next_code[len]++;
      if (len > kTableBits) continue;
      uint32_t reversed = ReverseBits(code, len);
      for (uint32_t i = reversed; i < table_.size(); i += 1u << len) {
        table_[i] = static_cast<uint16_t>(s << 4 | len);
      }
    }
  }

  int Decode(BitReader& in) const {
    uint32_t bits = in.Peek(kMaxCodeBits);
    if (uint16_t entry = table_[bits & (table_.size() - 1)]; entry != 0) {
      in.Consume(entry & 0xf);
      return entry >> 4;
    }
    return DecodeLong(in, bits);
  }

 private:
  static uint32_t ReverseBits(uint32_t code, int len) {
    uint32_t reversed = 0;
    for (int i = 0; i < len; ++i) reversed = (reversed << 1) | ((code >> i) & 1);
    return reversed;
  }

  // Canonical decoding one bit at a time: codes of each length are
  // consecutive integers, ordered by symbol.
  int DecodeLong(BitReader& in, uint32_t bits) const {
    int code = 0;
    int first = 0;
    int index = 0;
    for (int len = 1; len <= kMaxCodeBits; ++len) {
      code |= (bits >> (len - 1)) & 1;
      if (code - first < counts_[len]) {
        in.Consume(len);
        return symbols_[index + code - first];
      }
      index += counts_[len];
      first = (first + counts_[len]) << 1;
      code <<= 1;
    }
    Fail("malformed DEFLATE stream: invalid Huffman code at bit {}", in.position());
  }

  std::array<uint16_t, 1 << kTableBits> table_{};  // symbol << 4 | length; 0: longer code
  std::array<uint16_t, kMaxCodeBits + 1> counts_{};
  std::array<uint16_t, kMaxLitLenSymbols> symbols_{};  // in canonical code order
};

struct FixedCodes {
  HuffmanDecoder litlen;
  HuffmanDecoder dist;
  FixedCodes() {
    std::array<uint8_t, kMaxLitLenSymbols> lengths{};
    std::fill(lengths.begin(), lengths.begin() + 144, 8);
    std::fill(lengths.begin() + 144, lengths.begin() + 256, 9);
    std::fill(lengths.begin() + 256, lengths.begin() + 280, 7);
    std::fill(lengths.begin() + 280, lengths.end(), 8);
    litlen.Build(lengths.data(), kMaxLitLenSymbols);
    // Only 30 of the 32 five-bit codes are valid distances.
    std::array<uint8_t, 30> dist_lengths;
    dist_lengths.fill(5);
    dist.Build(dist_lengths.data(), 30);
  }
};

const FixedCodes& Fixed() {
  static const FixedCodes codes;
  return codes;
}

void ReadDynamicCodes(BitReader& in, HuffmanDecoder& litlen, HuffmanDecoder& dist) {
  int litlen_count = static_cast<int>(in.Read(5)) + 257;
  int dist_count = static_cast<int>(in.Read(5)) + 1;
  int code_length_count = static_cast<int>(in.Read(4)) + 4;
  if (litlen_count > 286 || dist_count > 30) {
    Fail("malformed DEFLATE stream: {} length and {} distance codes", litlen_count, dist_count);
  }
  std::array<uint8_t, 19> code_length_lengths{};
  for (int i = 0; i < code_length_count; ++i) {
    code_length_lengths[kCodeLengthOrder[i]] = static_cast<uint8_t>(in.Read(3));
  }
  HuffmanDecoder code_lengths;
  code_lengths.Build(code_length_lengths.data(), 19);

  std::array<uint8_t, kMaxLitLenSymbols + kMaxDistSymbols> lengths{};
  int total = litlen_count + dist_count;
  for (int i = 0; i < total;) {
    int symbol = code_lengths.Decode(in);
    if (symbol < 16) {
      lengths[i++] = static_cast<uint8_t>(symbol);
      continue;
    }
    uint8_t value = 0;
    int repeat = 0;
    if (symbol == 16) {
      if (i == 0) Fail("malformed DEFLATE stream: length repeat with no previous length");
      value = lengths[i - 1];
      repeat = 3 + static_cast<int>(in.Read(2));
    } else if (symbol == 17) {
      repeat = 3 + static_cast<int>(in.Read(3));
    } else {
      repeat = 11 + static_cast<int>(in.Read(7));
    }
    if (i + repeat > total) Fail("malformed DEFLATE stream: code lengths overflow");
    std::fill_n(lengths.begin() + i, repeat, value);
    i += repeat;
  }
  if (lengths[256] == 0) Fail("malformed DEFLATE stream: block without end-of-block code");
  litlen.Build(lengths.data(), litlen_count);
  dist.Build(lengths.data() + litlen_count, dist_count);
}

// Skips the symbols of one Huffman-coded block; returns the bytes it decodes to.
uint64_t SkipCodedBlock(BitReader& in, const HuffmanDecoder& litlen, const HuffmanDecoder& dist) {
  uint64_t produced = 0;
  while (true) {
    int symbol = litlen.Decode(in);
    if (symbol < 256) {
      ++produced;
      continue;
    }
    if (symbol == 256) return produced;
    size_t length_code = static_cast<size_t>(symbol - 257);
    if (length_code >= kLengthBase.size()) Fail("malformed DEFLATE stream: length symbol {}", symbol);
    produced += kLengthBase[length_code] + in.Read(kLengthExtraBits[length_code]);
    size_t dist_code = static_cast<size_t>(dist.Decode(in));
    if (dist_code >= kDistExtraBits.size()) Fail("malformed DEFLATE stream: distance symbol {}", dist_code);
    in.Consume(kDistExtraBits[dist_code]);
  }
}

}  // namespace

DeflateFinalBlock LocateFinalBlock(std::span<const uint8_t> stream) {
  BitReader in(stream);
  HuffmanDecoder litlen;
  HuffmanDecoder dist;
  uint64_t produced = 0;
  while (true) {
    uint64_t header_bit = in.position();
    bool final = in.Read(1) != 0;
    switch (in.Read(2)) {
      case 0: {
        in.AlignToByte();
        uint32_t length = in.Read(16);
        uint32_t inverted = in.Read(16);
        if (length != (~inverted & 0xffff)) {
          Fail("malformed DEFLATE stream: stored block length check fails at bit {}", header_bit);
        }
        in.SkipBytes(length);
        produced += length;
        break;
      }
      case 1:
        produced += SkipCodedBlock(in, Fixed().litlen, Fixed().dist);
        break;
      case 2:
        ReadDynamicCodes(in, litlen, dist);
        produced += SkipCodedBlock(in, litlen, dist);
        break;
      default:
        Fail("malformed DEFLATE stream: block type 3 at bit {}", header_bit);
    }
    if (final) return {header_bit, in.position(), produced};
  }
}

DeflateFinalBlock MakeDeflateStreamContinuable(std::vector<uint8_t>& stream) {
  DeflateFinalBlock found = LocateFinalBlock(stream);
  stream[found.header_bit / 8] &= static_cast<uint8_t>(~(1u << (found.header_bit % 8)));
  stream.resize((found.end_bit + 7) / 8);
  unsigned used_bits = found.end_bit % 8;
  // An empty stored block: three zero header bits (not final, type 0),
  // zero padding to the byte boundary, LEN 0, NLEN 0xffff.
  if (used_bits != 0) stream.back() &= static_cast<uint8_t>((1u << used_bits) - 1);
  if (used_bits == 0 || used_bits > 5) stream.push_back(0);
  stream.insert(stream.end(), {0x00, 0x00, 0xff, 0xff});
  return found;
}

}  // namespace imgbuild::layers
