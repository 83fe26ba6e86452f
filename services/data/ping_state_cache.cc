#include "data/ping_state_cache.h"

namespace tocsin::data {

bool PingStateCache::GetAll(const std::vector<std::string_view>& ids,
                            uint64_t generation,
                            std::vector<Entry>& out) const {
  out.clear();
  out.reserve(ids.size());
  std::lock_guard<std::mutex> lock(mu_);
  for (std::string_view id : ids) {
    auto it = entries_.find(std::string(id));
    if (it == entries_.end() || it->second.generation != generation) {
      return false;
    }
    out.push_back(it->second);
  }
  return true;
}

void PingStateCache::Put(const std::string& id, Entry entry) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    it->second = std::move(entry);
    return;
  }
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  entries_.emplace(id, std::move(entry));
}

void PingStateCache::Erase(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(std::string(id));
}

}  // namespace tocsin::data
