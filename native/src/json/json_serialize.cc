// serializeJson: JSON.stringify of a DOM, compact.
#include "json/json_number.h"
#include "json/json_string.h"
#include "json/json_value.h"

namespace gh {

// Recursion is bounded by the DOM's depth, which parseJson bounds; DOMs built
// by hand are trusted to be shallow too.
void serializeJson(const JsonValue& v, std::string& out) {
  switch (v.type()) {
    case JsonType::Null: out.append("null"); return;
    case JsonType::Bool: out.append(v.boolValue() ? "true" : "false"); return;
    case JsonType::Number: appendJsNumber(out, v.text()); return;
    case JsonType::String: appendJsonString(out, v.text()); return;
    case JsonType::Array: {
      out.push_back('[');
      bool first = true;
      for (const JsonValue& item : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        serializeJson(item, out);
      }
      out.push_back(']');
      return;
    }
    case JsonType::Object: {
      out.push_back('{');
      bool first = true;
      for (const JsonValue::Member& m : v.members()) {
        if (!first) out.push_back(',');
        first = false;
        appendJsonString(out, m.first);
        out.push_back(':');
        serializeJson(m.second, out);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace gh
