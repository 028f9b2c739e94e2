// Key names: with key classes (WorkloadConfig::classes) a key is named by its
// class and its index in the class, "user:42", as an application names it;
// without classes a key is its number. explain's --key and events.json use
// these names.
#pragma once

#include <string>

#include "analysis/scenario/scenario.h"

namespace cachelab {

// "user:42" for an existing row of class user; "user:42 (no row)" for the
// missing-row id of that key (id + keys); the number without classes.
std::string KeyName(const WorkloadConfig& w, Key k);

// A key given on the command line: a number (any key id, existing rows first,
// then missing ones), or CLASS:N with key classes. Throws InputError naming
// `flag` and the text when it names no key of the scenario.
Key ParseKeyName(const Scenario& s, const std::string& text, const std::string& flag);

}  // namespace cachelab
