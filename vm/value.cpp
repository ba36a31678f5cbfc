// Heap objects behind Value, their construction and destruction, list views, and
// structural equality.
#include "vm/value.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

namespace rflow::vm {
namespace detail {
namespace {

struct MapObject : Object {
  MapObject() : Object(ObjectKind::kMap) {}
  std::vector<MapEntry> entries;
};

uint32_t deeper(uint32_t depth) {
  return depth == UINT32_MAX ? depth : depth + 1;
}

uint32_t depthOf(std::span<const Value> values) {
  uint32_t d = 0;
  for (const Value& v : values)
    d = std::max(d, v.depth());
  return deeper(d);
}

}  // namespace

StringObject* makeString(size_t size) {
  return new (::operator new(sizeof(StringObject) + size)) StringObject(size);
}

void destroy(Object* o) {
  // Each object is owned by exactly the Values that count it; the last one frees it.
  switch (o->kind) {
    case ObjectKind::kString: {
      auto* s = static_cast<StringObject*>(o);
      const size_t bytes = sizeof(StringObject) + s->size;
      s->~StringObject();
      // Unsized: clang 14 offers sized delete only with -fsized-deallocation.
      (void)bytes;
      ::operator delete(s);
      return;
    }
    case ObjectKind::kList:
      std::unique_ptr<ListBuffer>(static_cast<ListBuffer*>(o)).reset();
      return;
    case ObjectKind::kMap:
      std::unique_ptr<MapObject>(static_cast<MapObject*>(o)).reset();
      return;
    case ObjectKind::kRecord:
      std::unique_ptr<RecordObject>(static_cast<RecordObject*>(o)).reset();
      return;
  }
}

}  // namespace detail

using detail::ListBuffer;
using detail::MapObject;
using detail::RecordObject;
using detail::StringObject;

std::string_view tagName(Tag tag) {
  switch (tag) {
    case Tag::kNone:
      return "none";
    case Tag::kBool:
      return "bool";
    case Tag::kInt:
      return "int";
    case Tag::kDecimal:
      return "decimal";
    case Tag::kMoney:
      return "money";
    case Tag::kRole:
      return "role";
    case Tag::kEnum:
      return "enum member";
    case Tag::kString:
      return "string";
    case Tag::kList:
      return "list";
    case Tag::kMap:
      return "map";
    case Tag::kRecord:
      return "record";
    case Tag::kRun:
      return "run";
  }
  return "unknown";
}

Value Value::fromObject(Tag tag, detail::Object* object, uint32_t length) {
  return Value(tag, Bits{reinterpret_cast<uintptr_t>(object), length});
}

namespace {

StringObject* copyString(std::string_view text) {
  StringObject* s = detail::makeString(text.size());
  if (!text.empty()) std::memcpy(s->data(), text.data(), text.size());
  return s;
}

}  // namespace

Value Value::string(std::string_view text) {
  return fromObject(Tag::kString, copyString(text), 0);
}

Value Value::run(std::string_view instance_id) {
  return fromObject(Tag::kRun, copyString(instance_id), 0);
}

Value Value::list(std::vector<Value> items) {
  auto buffer = std::make_unique<ListBuffer>();
  buffer->depth = detail::depthOf(items);
  buffer->items = std::move(items);
  const auto length = static_cast<uint32_t>(buffer->items.size());
  return fromObject(Tag::kList, buffer.release(), length);
}

Value Value::map(std::vector<MapEntry> entries) {
  // Stable, so that among equal keys the later entry stays later; then keep the last.
  std::stable_sort(entries.begin(), entries.end(), [](const MapEntry& a, const MapEntry& b) {
    return a.key.asString() < b.key.asString();
  });
  auto object = std::make_unique<MapObject>();
  object->entries.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && entries[i].key.asString() == entries[i + 1].key.asString())
      continue;
    object->entries.push_back(std::move(entries[i]));
  }
  uint32_t d = 0;
  for (const MapEntry& e : object->entries)
    d = std::max(d, e.value.depth());
  object->depth = detail::deeper(d);
  return fromObject(Tag::kMap, object.release(), 0);
}

Value Value::record(uint32_t record_index, std::vector<Value> fields) {
  auto object = std::make_unique<RecordObject>();
  object->record = record_index;
  object->depth = detail::depthOf(fields);
  object->fields = std::move(fields);
  return fromObject(Tag::kRecord, object.release(), 0);
}

std::span<const MapEntry> Value::mapEntries() const {
  return static_cast<const MapObject*>(object())->entries;
}

Value Value::appended(const Value& view, Value item) {
  auto* buffer = static_cast<ListBuffer*>(view.object());
  const auto length = static_cast<uint32_t>(view.listLength());
  const uint32_t item_depth = detail::deeper(item.depth());
  // The view covers the whole buffer: nobody can see a pushed item but the new view.
  // Shared buffers (a Program's constants) may be read by other threads: never written.
  if (length == buffer->items.size() && !buffer->shared) {
    buffer->items.push_back(std::move(item));
    buffer->depth = std::max(buffer->depth, item_depth);
    detail::retain(buffer);
    return fromObject(Tag::kList, buffer, length + 1);
  }
  std::vector<Value> items;
  // Room to grow, so that the next append of the new view is the fast one.
  items.reserve(std::max<size_t>(2 * (size_t{length} + 1), 4));
  items.assign(buffer->items.begin(), buffer->items.begin() + length);
  items.push_back(std::move(item));
  return list(std::move(items));
}

void Value::makeShared() const {
  if (!isHeap() || object()->shared) return;
  detail::Object* o = object();
  o->shared = true;
  switch (o->kind) {
    case detail::ObjectKind::kString:
      return;
    case detail::ObjectKind::kList:
      for (const Value& v : static_cast<ListBuffer*>(o)->items)
        v.makeShared();
      return;
    case detail::ObjectKind::kMap:
      for (const MapEntry& e : static_cast<MapObject*>(o)->entries) {
        e.key.makeShared();
        e.value.makeShared();
      }
      return;
    case detail::ObjectKind::kRecord:
      for (const Value& v : static_cast<RecordObject*>(o)->fields)
        v.makeShared();
      return;
  }
}

Value Value::unsharedCopy() const {
  if (!isHeap()) return *this;
  switch (object()->kind) {
    case detail::ObjectKind::kString:
      return fromObject(tag(), copyString(asString()), 0);
    case detail::ObjectKind::kList: {
      std::vector<Value> items;
      items.reserve(listLength());
      for (const Value& v : listItems())
        items.push_back(v.unsharedCopy());
      return list(std::move(items));
    }
    case detail::ObjectKind::kMap: {
      std::vector<MapEntry> entries;
      entries.reserve(mapEntries().size());
      for (const MapEntry& e : mapEntries())
        entries.push_back(MapEntry{e.key.unsharedCopy(), e.value.unsharedCopy()});
      return map(std::move(entries));
    }
    case detail::ObjectKind::kRecord: {
      std::vector<Value> fields;
      fields.reserve(recordFields().size());
      for (const Value& v : recordFields())
        fields.push_back(v.unsharedCopy());
      return record(recordIndex(), std::move(fields));
    }
  }
  return *this;
}

bool valueEquals(const Value& a, const Value& b) {
  if (a.tag() != b.tag()) return false;
  switch (a.tag()) {
    case Tag::kNone:
      return true;
    case Tag::kBool:
      return a.asBool() == b.asBool();
    case Tag::kInt:
      return a.asInt() == b.asInt();
    case Tag::kDecimal:
      return a.asDecimal() == b.asDecimal();
    case Tag::kMoney:
      return a.asMoney() == b.asMoney();
    case Tag::kRole:
      return a.asRole() == b.asRole();
    case Tag::kEnum:
      return a.enumIndex() == b.enumIndex() && a.enumMember() == b.enumMember();
    case Tag::kString:
    case Tag::kRun:
      return a.asString() == b.asString();
    case Tag::kList: {
      const auto x = a.listItems();
      const auto y = b.listItems();
      if (x.size() != y.size()) return false;
      if (x.data() == y.data()) return true;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!valueEquals(x[i], y[i])) return false;
      }
      return true;
    }
    case Tag::kMap: {
      const auto x = a.mapEntries();
      const auto y = b.mapEntries();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (x[i].key.asString() != y[i].key.asString() || !valueEquals(x[i].value, y[i].value))
          return false;
      }
      return true;
    }
    case Tag::kRecord: {
      if (a.recordIndex() != b.recordIndex()) return false;
      const auto x = a.recordFields();
      const auto y = b.recordFields();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!valueEquals(x[i], y[i])) return false;
      }
      return true;
    }
  }
  return false;
}

const Value* mapFind(const Value& map, std::string_view key) {
  const auto entries = map.mapEntries();
  const auto it =
      std::lower_bound(entries.begin(), entries.end(), key,
                       [](const MapEntry& e, std::string_view k) { return e.key.asString() < k; });
  if (it == entries.end() || it->key.asString() != key) return nullptr;
  return &it->value;
}

}  // namespace rflow::vm
