#ifndef TOCSIN_DATA_OBJECT_STORE_H_
#define TOCSIN_DATA_OBJECT_STORE_H_

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tocsin::data {

// Large ping bodies as files (Healthchecks keeps them in object storage):
// content-addressed (the name is the SHA-256 of the content, so writing
// twice is harmless and a damaged file is recognisable), each written
// atomically, under a directory shared by every data replica (a volume in
// compose, a ReadWriteMany volume in Kubernetes). A file is written before
// the transaction that references it commits; one whose transaction failed
// is unreferenced and removed by Sweep once it is old enough.
class ObjectStore {
 public:
  explicit ObjectStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  absl::Status Prepare();
  // Stores `content`; its name.
  absl::StatusOr<std::string> Put(std::string_view content);
  // Stores content that must have the name `name` (restores).
  absl::Status PutNamed(const std::string& name, std::string_view content);
  absl::StatusOr<std::string> Get(const std::string& name) const;
  // Deletes the objects not in `referenced` that are older than `cutoff`;
  // how many.
  absl::StatusOr<int64_t> Sweep(const std::set<std::string>& referenced,
                                absl::Time cutoff);

  static bool IsName(std::string_view name);
  std::filesystem::path PathOf(const std::string& name) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace tocsin::data

#endif  // TOCSIN_DATA_OBJECT_STORE_H_
