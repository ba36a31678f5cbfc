// rflow.toml's [backup] table: dir (relative to the file), every, keep, their defaults,
// and every mistake refused with its line and key before the service starts.
#include <gtest/gtest.h>

#include "runtime/config.h"

namespace rflow::runtime {
namespace {

const std::filesystem::path kFile = "/etc/rflow/rflow.toml";

Config ok(std::string_view text) {
  auto result = Config::fromString(text, kFile, [](std::string_view) {
    return std::optional<std::string>();
  });
  if (auto* errors = std::get_if<ConfigErrors>(&result)) {
    ADD_FAILURE() << describe(*errors);
    return Config::defaults();
  }
  return std::get<Config>(std::move(result));
}

ConfigError error(std::string_view text) {
  auto result = Config::fromString(text, kFile, [](std::string_view) {
    return std::optional<std::string>();
  });
  auto* errors = std::get_if<ConfigErrors>(&result);
  if (!errors) {
    ADD_FAILURE() << "expected an error for:\n" << text;
    return {};
  }
  EXPECT_EQ(errors->size(), 1u) << describe(*errors);
  return errors->front();
}

TEST(BackupConfig, DirEveryAndKeep) {
  const Config c = ok("[backup]\ndir = \"/srv/backups/rflow\"\nevery = \"6h\"\nkeep = 3\n");
  EXPECT_EQ(c.backup.dir, "/srv/backups/rflow");
  EXPECT_EQ(c.backup.every_ms, 6 * 3'600'000);
  EXPECT_EQ(c.backup.keep, 3u);
  const Config relative = ok("[backup]\ndir = \"backups/../backups\"\n");
  EXPECT_EQ(relative.backup.dir, "/etc/rflow/backups");
  EXPECT_EQ(relative.backup.every_ms, 0) << "only when asked";
  EXPECT_EQ(relative.backup.keep, 7u);
  EXPECT_TRUE(ok("").backup.dir.empty()) << "no backups without a [backup] table";
}

TEST(BackupConfig, MistakesAreRefusedWithTheirKey) {
  for (const char* every : {"\"30s\"", "\"31d\"", "6", "\"often\""}) {
    const ConfigError e = error(std::string("[backup]\ndir = \"b\"\nevery = ") + every + "\n");
    EXPECT_EQ(e.key, "backup.every");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.message,
              std::string("expected a duration from \"1m\" to \"30d\" like \"6h\", found ") + every);
  }
  for (const char* keep : {"0", "1001", "\"7\"", "-1"}) {
    const ConfigError e = error(std::string("[backup]\ndir = \"b\"\nkeep = ") + keep + "\n");
    EXPECT_EQ(e.key, "backup.keep");
    EXPECT_EQ(e.message,
              std::string("expected how many backups to keep, from 1 to 1000, found ") + keep);
  }
  const ConfigError no_dir = error("[backup]\nevery = \"1h\"\n");
  EXPECT_EQ(no_dir.key, "backup.dir");
  EXPECT_EQ(no_dir.line, 2u);
  EXPECT_NE(no_dir.message.find("backups need a directory"), std::string::npos);
  EXPECT_EQ(error("[backup]\ndir = \"\"\n").key, "backup.dir");
  EXPECT_EQ(error("[backup]\ndir = 3\n").message,
            "expected a string like \"/var/lib/rflow/backups\", found 3");
  EXPECT_EQ(error("[backup]\ndir = \"b\"\nkeeps = 3\n").message,
            "unknown setting `keeps`: did you mean `keep`?");
  EXPECT_EQ(error("backup = \"b\"\n").key, "backup");
}

}  // namespace
}  // namespace rflow::runtime
