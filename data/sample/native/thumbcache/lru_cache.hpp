// lru_cache.hpp - in-memory cache of encoded thumbnails for the edge proxy.
//
// A least-recently-used cache bounded by *bytes*, not by entry count: a 1024px
// WebP can be forty times the size of a 128px one. Lookups and insertions are
// O(1): a doubly linked list keeps entries in recency order (front = most
// recently used) and a hash map points from key to list node. When an insert
// pushes the total over the byte budget, entries are evicted from the back of
// the list - the least recently used - until it fits again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace parcel {

struct CacheStats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t evictions = 0;
    std::size_t bytes = 0;
    std::size_t entries = 0;
};

template <typename Key, typename Value, typename SizeOf = std::function<std::size_t(const Value&)>>
class LruCache {
public:
    using EvictionCallback = std::function<void(const Key&, const Value&)>;

    LruCache(std::size_t capacity_bytes, SizeOf size_of)
        : capacity_(capacity_bytes), size_of_(std::move(size_of)) {}

    LruCache(const LruCache&) = delete;
    LruCache& operator=(const LruCache&) = delete;

    // Called for every evicted entry (not for explicit erase), e.g. to update metrics.
    void on_evict(EvictionCallback callback) {
        std::lock_guard<std::mutex> lock(mutex_);
        on_evict_ = std::move(callback);
    }

    // Returns a copy of the value and marks it most recently used.
    std::optional<Value> get(const Key& key) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = index_.find(key);
        if (it == index_.end()) {
            ++stats_.misses;
            return std::nullopt;
        }
        order_.splice(order_.begin(), order_, it->second);  // move node to the front
        ++stats_.hits;
        return it->second->value;
    }

    // Inserts or replaces. A value larger than the whole cache is not stored.
    bool put(const Key& key, Value value) {
        const std::size_t size = size_of_(value);
        std::lock_guard<std::mutex> lock(mutex_);
        if (size > capacity_) {
            return false;
        }
        auto it = index_.find(key);
        if (it != index_.end()) {
            stats_.bytes -= it->second->size;
            order_.erase(it->second);
            index_.erase(it);
        }
        order_.push_front(Node{key, std::move(value), size});
        index_[key] = order_.begin();
        stats_.bytes += size;
        evict_until_fits();
        stats_.entries = index_.size();
        return true;
    }

    bool erase(const Key& key) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = index_.find(key);
        if (it == index_.end()) {
            return false;
        }
        stats_.bytes -= it->second->size;
        order_.erase(it->second);
        index_.erase(it);
        stats_.entries = index_.size();
        return true;
    }

    // Shrinking the budget evicts immediately.
    void resize(std::size_t capacity_bytes) {
        std::lock_guard<std::mutex> lock(mutex_);
        capacity_ = capacity_bytes;
        evict_until_fits();
        stats_.entries = index_.size();
    }

    CacheStats stats() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return stats_;
    }

private:
    struct Node {
        Key key;
        Value value;
        std::size_t size;
    };

    // Drop least recently used entries (the back of the list) until under budget.
    void evict_until_fits() {
        while (stats_.bytes > capacity_ && !order_.empty()) {
            Node& victim = order_.back();
            if (on_evict_) {
                on_evict_(victim.key, victim.value);
            }
            stats_.bytes -= victim.size;
            index_.erase(victim.key);
            order_.pop_back();
            ++stats_.evictions;
        }
    }

    std::size_t capacity_;
    SizeOf size_of_;
    EvictionCallback on_evict_;
    std::list<Node> order_;
    std::unordered_map<Key, typename std::list<Node>::iterator> index_;
    CacheStats stats_;
    mutable std::mutex mutex_;
};

// The cache the edge proxy uses: key "file_id/size", value the encoded WebP bytes.
using ThumbnailCache = LruCache<std::string, std::string>;

inline ThumbnailCache make_thumbnail_cache(std::size_t megabytes) {
    return ThumbnailCache(megabytes << 20, [](const std::string& bytes) { return bytes.size() + 64; });
}

}  // namespace parcel
