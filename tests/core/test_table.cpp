// The kernel table's own check (kernel_table_problem): what a binary's rows, a user's
// kernels included, must be before sumbench runs anything; and the built-in switch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "kernel.hpp"
#include "minimal_row.hpp"

namespace sumbench {
namespace {

// The problem with `rows`, which must mention `what`.
void expect_refused(const std::vector<KernelDescriptor>& rows, const std::string& what) {
  const std::string why = kernel_table_problem(rows);
  EXPECT_NE(why.find(what), std::string::npos) << "'" << why << "' does not say '" << what << "'";
}

TEST(KernelTable, TheBuiltInTableIsAccepted) {
  EXPECT_EQ(kernel_table_problem(kernel_table()), "");
  EXPECT_TRUE(builtin_kernels_used());
  for (const auto& k : kernel_table()) {
    EXPECT_TRUE(is_builtin_kernel(k)) << k.name;
    EXPECT_EQ(k.api_version, SUMBENCH_KERNEL_API_VERSION) << k.name;
  }
  EXPECT_FALSE(is_builtin_kernel(minimal_row("sum")));  // a copy, not a row of the table
}

TEST(KernelTable, AGoodUserTableIsAccepted) {
  EXPECT_EQ(kernel_table_problem({minimal_row("histogram"), minimal_row("stencil_2d")}), "");
}

TEST(KernelTable, BadRowsAreRefusedWithTheirRow) {
  expect_refused({}, "no kernels");
  expect_refused({minimal_row("a"), minimal_row("a")}, "row 2 ('a'): the name is taken by row 1");
  for (const char* name : {"", "Sum", "1d", "my-kernel", "a/b", "a b", "abcdefghijklmnopqrstuvwxyz0123456"})
    expect_refused({minimal_row(name)}, "a name is a-z");
  KernelDescriptor row = minimal_row("k");
  row.api_version = SUMBENCH_KERNEL_API_VERSION + 1;
  expect_refused({row}, "kernel API version " + std::to_string(SUMBENCH_KERNEL_API_VERSION + 1));
  row = minimal_row("k");
  row.kind = "compute";
  expect_refused({row}, "kind 'compute' is not one of");
  row = minimal_row("k");
  row.validation = "";
  expect_refused({row}, "must each say something");
  row = minimal_row("k");
  row.make = nullptr;
  expect_refused({row}, "default_n and make");
  row = minimal_row("k");
  row.tick_elements = 0;
  expect_refused({row}, "tick_elements");
  row = minimal_row("k");
  row.held_bytes_per_element = NAN;
  expect_refused({row}, "finite");
  row = minimal_row("k");
  row.rate_in_bytes = true;
  expect_refused({row}, "bytes_per_element > 0");
}

// Item 4 of issue 25: the kinds are one table, which says for each kind which figures show
// it; the catalogue carries it (tests/core/test_catalogue.py) and the report reads it there.
TEST(KernelKinds, OneTableNamesEveryKindAndItsFigures) {
  std::vector<std::string_view> names;
  for (const KernelKind& k : kernel_kinds()) {
    EXPECT_EQ(std::count(names.begin(), names.end(), k.name), 0) << k.name;
    names.push_back(k.name);
    EXPECT_FALSE(k.summary.empty()) << k.name;
    if (!k.scaling_figures) EXPECT_FALSE(k.not_in_summary.empty()) << k.name << " is in no figure";
  }
  for (const auto& k : kernel_table())
    EXPECT_NE(std::find(names.begin(), names.end(), k.kind), names.end()) << k.name << ": " << k.kind;
  KernelDescriptor row = minimal_row("k");
  row.kind = "compute";
  std::string listed;
  for (std::string_view n : names) listed += (listed.empty() ? "" : ", ") + std::string(n);
  expect_refused({row}, "is not one of " + listed);
  for (std::string_view n : names) {  // every kind of the table is a kind a kernel may have
    row.kind = n;
    EXPECT_EQ(kernel_table_problem({row}), "") << n;
  }
}

}  // namespace
}  // namespace sumbench
