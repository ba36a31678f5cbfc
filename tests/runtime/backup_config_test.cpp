// rflow.toml's [backup] table: dir (relative to the file), every, keep, their defaults,
// and every mistake refused with its line and key before the service starts.
#include <gtest/gtest.h>

#include "config_test_util.h"
#include "runtime/config.h"

namespace rflow::runtime {
namespace {

TEST(BackupConfig, DirEveryAndKeep) {
  const Config c = configOk("[backup]\ndir = \"/srv/backups/rflow\"\nevery = \"6h\"\nkeep = 3\n");
  EXPECT_EQ(c.backup.dir, "/srv/backups/rflow");
  EXPECT_EQ(c.backup.every_ms, 6 * 3'600'000);
  EXPECT_EQ(c.backup.keep, 3u);
  const Config relative = configOk("[backup]\ndir = \"backups/../backups\"\n");
  EXPECT_EQ(relative.backup.dir, "/etc/rflow/backups");
  EXPECT_EQ(relative.backup.every_ms, 0) << "only when asked";
  EXPECT_EQ(relative.backup.keep, 7u);
  EXPECT_TRUE(configOk("").backup.dir.empty()) << "no backups without a [backup] table";
}

TEST(BackupConfig, MistakesAreRefusedWithTheirKey) {
  for (const char* every : {"\"30s\"", "\"31d\"", "6", "\"often\""}) {
    const ConfigError e =
        configError(std::string("[backup]\ndir = \"b\"\nevery = ") + every + "\n");
    EXPECT_EQ(e.key, "backup.every");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(
        e.message,
        std::string("expected a duration from \"1m\" to \"30d\" like \"6h\", found ") + every);
  }
  for (const char* keep : {"0", "1001", "\"7\"", "-1"}) {
    const ConfigError e = configError(std::string("[backup]\ndir = \"b\"\nkeep = ") + keep + "\n");
    EXPECT_EQ(e.key, "backup.keep");
    EXPECT_EQ(e.message,
              std::string("expected how many backups to keep, from 1 to 1000, found ") + keep);
  }
  const ConfigError no_dir = configError("[backup]\nevery = \"1h\"\n");
  EXPECT_EQ(no_dir.key, "backup.dir");
  EXPECT_EQ(no_dir.line, 2u);
  EXPECT_NE(no_dir.message.find("backups need a directory"), std::string::npos);
  EXPECT_EQ(configError("[backup]\ndir = \"\"\n").key, "backup.dir");
  EXPECT_EQ(configError("[backup]\ndir = 3\n").message,
            "expected a string like \"/var/lib/rflow/backups\", found 3");
  EXPECT_EQ(configError("[backup]\ndir = \"b\"\nkeeps = 3\n").message,
            "unknown setting `keeps`: did you mean `keep`?");
  EXPECT_EQ(configError("backup = \"b\"\n").key, "backup");
}

}  // namespace
}  // namespace rflow::runtime
