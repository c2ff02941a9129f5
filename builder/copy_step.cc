#include "builder/copy_step.h"

#include "util/error.h"

// Placeholder: the contract is in copy_step.h; the implementation is being written.
namespace imgbuild::builder {

struct PreparedCopyData {};

PreparedCopy::PreparedCopy(std::unique_ptr<PreparedCopyData> data) : data_(std::move(data)) {}
PreparedCopy::PreparedCopy(PreparedCopy&&) noexcept = default;
PreparedCopy& PreparedCopy::operator=(PreparedCopy&&) noexcept = default;
PreparedCopy::~PreparedCopy() = default;

const layers::Digest& PreparedCopy::content_digest() const { Fail("COPY is not implemented yet"); }
size_t PreparedCopy::object_count() const { return 0; }

PreparedCopy PrepareCopy(const parser::CopyCommand&, const SourceTree&, StatCache&,
                         const CopyPreparation& how) {
  Fail("{}: COPY and ADD are not implemented yet", how.where);
}

void ApplyCopy(const PreparedCopy&, const CopyTarget& target) {
  Fail("{}: COPY and ADD are not implemented yet", target.where);
}

}  // namespace imgbuild::builder
