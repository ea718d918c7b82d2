// What a key may do to its account's keys (billing/key_rules.hpp), API times at their edges, and
// the client address anonymous callers are limited by.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "api/account/account_json.hpp"
#include "billing/key_rules.hpp"
#include "pipeline/identify_stage.hpp"

namespace turnpike {
namespace {

using billing::judgeKeyChange;
using billing::judgeKeyRevoke;
using Verdict = billing::KeyRuling::Verdict;
using store::ApiKeyRecord;
using store::ResetPeriod;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;

ApiKeyRecord key(std::string id, std::vector<std::string> scopes) {
  ApiKeyRecord k;
  k.id = std::move(id);
  k.accountId = "acct_1";
  k.scopes = std::move(scopes);
  return k;
}

// A capped, expiring key that may manage keys: 3000 a day, 1200 spent and 300 held today.
ApiKeyRecord capped() {
  auto k = key("key_capped", {"inference", "keys"});
  k.usageLimit = 3000;
  k.resetPeriod = ResetPeriod::Daily;
  k.periodStart = 1'699'920'000'000;  // today
  k.periodSpent = 1200;
  k.reserved = 300;
  k.expireAt = kNow + kHour;
  return k;
}

// A key the capped one may create: within all of its bounds.
ApiKeyRecord child() {
  auto k = key("key_child", {"inference"});
  k.usageLimit = 1000;
  k.resetPeriod = ResetPeriod::Daily;
  k.expireAt = kNow + kHour;
  return k;
}

TEST(KeyRules, AKeyWithinTheCallersBoundsMayBeCreatedAndItsLimitMovesFromTheCaller) {
  auto r = judgeKeyChange(capped(), nullptr, child(), kNow);
  EXPECT_TRUE(r.allowed()) << r.message;
  EXPECT_EQ(r.transfer, 1000);
  auto lifetime = child();
  lifetime.resetPeriod = ResetPeriod::None;  // never refills: always within a daily budget
  EXPECT_TRUE(judgeKeyChange(capped(), nullptr, lifetime, kNow).allowed());
  auto all = child();
  all.usageLimit = 1500;  // exactly what is left today: 3000 - 1200 - 300
  EXPECT_EQ(judgeKeyChange(capped(), nullptr, all, kNow).transfer, 1500);
}

TEST(KeyRules, ACappedCallerCannotCreateALooserKey) {
  auto caller = capped();
  auto expect = [&](ApiKeyRecord k, Verdict verdict, const char* param) {
    auto r = judgeKeyChange(caller, nullptr, k, kNow);
    EXPECT_EQ(r.verdict, verdict) << param << ": " << r.message;
    EXPECT_EQ(r.param, param);
    EXPECT_EQ(r.transfer, 0);
  };
  auto k = child();
  k.usageLimit.reset();
  expect(k, Verdict::ExceedsCaller, "usage_limit");
  k = child();
  k.usageLimit = 1501;
  expect(k, Verdict::ExceedsCaller, "usage_limit");
  k = child();
  k.resetPeriod = ResetPeriod::Weekly;  // refills on another schedule
  expect(k, Verdict::ExceedsCaller, "reset_period");
  k = child();
  k.expireAt.reset();
  expect(k, Verdict::ExceedsCaller, "expire_at");
  k = child();
  k.expireAt = kNow + kHour + 1;
  expect(k, Verdict::ExceedsCaller, "expire_at");
  k = child();
  k.scopes = {"inference", "account"};
  expect(k, Verdict::MissingScope, "scopes");
}

TEST(KeyRules, AKeyCannotLoosenItself) {
  auto self = capped();
  auto expect = [&](auto change, const char* param) {
    auto after = self;
    change(after);
    auto r = judgeKeyChange(self, &self, after, kNow);
    EXPECT_EQ(r.verdict, Verdict::ExceedsCaller) << param << ": " << r.message;
    EXPECT_EQ(r.param, param);
  };
  expect([](ApiKeyRecord& k) { k.usageLimit.reset(); }, "usage_limit");
  expect([](ApiKeyRecord& k) { k.usageLimit = 3001; }, "usage_limit");
  expect([](ApiKeyRecord& k) { k.resetPeriod = ResetPeriod::Weekly; }, "reset_period");  // restarts the spending
  expect([](ApiKeyRecord& k) { k.resetPeriod = ResetPeriod::None; }, "reset_period");
  expect([](ApiKeyRecord& k) { k.expireAt.reset(); }, "expire_at");
  expect([](ApiKeyRecord& k) { *k.expireAt += 1; }, "expire_at");
  auto widened = self;
  widened.scopes.push_back("account");
  EXPECT_EQ(judgeKeyChange(self, &self, widened, kNow).verdict, Verdict::MissingScope);
  // Tightening is always allowed, and costs nothing.
  auto tighter = self;
  tighter.usageLimit = 10;
  *tighter.expireAt -= 1;
  tighter.scopes = {"keys"};
  tighter.name = "renamed";
  auto r = judgeKeyChange(self, &self, tighter, kNow);
  EXPECT_TRUE(r.allowed()) << r.message;
  EXPECT_EQ(r.transfer, 0);
}

TEST(KeyRules, KeysWithAScopeTheCallerLacksAreOutOfReach) {
  auto owner = key("key_owner", {"inference", "account", "keys"});
  auto caller = capped();
  auto renamed = owner;
  renamed.name = "x";
  EXPECT_EQ(judgeKeyChange(caller, &owner, renamed, kNow).verdict, Verdict::Outranked);
  EXPECT_EQ(judgeKeyChange(caller, &owner, renamed, kNow).param, "id");
  auto stripped = owner;
  stripped.scopes = {"inference"};
  EXPECT_EQ(judgeKeyChange(caller, &owner, stripped, kNow).verdict, Verdict::Outranked);
  EXPECT_EQ(judgeKeyRevoke(caller, owner).verdict, Verdict::Outranked);
  // Equal or fewer scopes: within reach.
  EXPECT_TRUE(judgeKeyRevoke(caller, child()).allowed());
  EXPECT_TRUE(judgeKeyRevoke(caller, caller).allowed());
  EXPECT_TRUE(judgeKeyRevoke(owner, caller).allowed());
}

TEST(KeyRules, ACappedCallerPaysForWhatItGrantsAnotherKey) {
  auto caller = capped();
  auto other = child();
  other.usageLimit = 200;
  auto raised = other;
  raised.usageLimit = 1700;  // a raise of 1500: all that is left today
  auto r = judgeKeyChange(caller, &other, raised, kNow);
  EXPECT_TRUE(r.allowed()) << r.message;
  EXPECT_EQ(r.transfer, 1500);
  raised.usageLimit = 1701;
  EXPECT_EQ(judgeKeyChange(caller, &other, raised, kNow).param, "usage_limit");
  auto lifted = other;
  lifted.usageLimit.reset();
  EXPECT_EQ(judgeKeyChange(caller, &other, lifted, kNow).param, "usage_limit");
  auto period = other;
  period.resetPeriod = ResetPeriod::Monthly;
  EXPECT_EQ(judgeKeyChange(caller, &other, period, kNow).param, "reset_period");
  // Lowering another key gives the caller nothing back.
  auto lowered = other;
  lowered.usageLimit = 100;
  EXPECT_EQ(judgeKeyChange(caller, &other, lowered, kNow).transfer, 0);
  // A limit on a key that had none only tightens it.
  auto unlimited = child();
  unlimited.usageLimit.reset();
  auto limited = unlimited;
  limited.usageLimit = 100'000;
  EXPECT_TRUE(judgeKeyChange(caller, &unlimited, limited, kNow).allowed());
  EXPECT_EQ(judgeKeyChange(caller, &unlimited, limited, kNow).transfer, 0);
  // Fields a change leaves alone are not judged: renaming an unlimited key is fine.
  auto renamed = unlimited;
  renamed.name = "renamed";
  EXPECT_TRUE(judgeKeyChange(caller, &unlimited, renamed, kNow).allowed());
}

TEST(KeyRules, WhatIsLeftCountsTheNewPeriodAndHeldAmounts) {
  auto caller = capped();
  caller.periodStart = 1'699'833'600'000;  // yesterday: today nothing is spent yet
  auto k = child();
  k.usageLimit = 2700;  // 3000 - 300 held
  EXPECT_TRUE(judgeKeyChange(caller, nullptr, k, kNow).allowed());
  k.usageLimit = 2701;
  EXPECT_FALSE(judgeKeyChange(caller, nullptr, k, kNow).allowed());
  caller.reserved = 5000;  // more held than the limit: nothing left, nothing negative
  k.usageLimit = 1;
  auto r = judgeKeyChange(caller, nullptr, k, kNow);
  EXPECT_FALSE(r.allowed());
  EXPECT_NE(r.message.find("has 0 of its usage_limit left"), std::string::npos) << r.message;
}

TEST(KeyRules, AnUnboundedCallerSetsAnything) {
  auto owner = key("key_owner", {"inference", "account", "keys"});
  auto k = child();
  k.usageLimit.reset();
  k.expireAt.reset();
  k.resetPeriod = ResetPeriod::Weekly;
  EXPECT_TRUE(judgeKeyChange(owner, nullptr, k, kNow).allowed());
  auto raised = capped();
  raised.usageLimit.reset();
  raised.expireAt.reset();
  auto before = capped();
  EXPECT_TRUE(judgeKeyChange(owner, &before, raised, kNow).allowed());
  EXPECT_EQ(billing::keyRulingCode(Verdict::ExceedsCaller), "exceeds_calling_key");
  EXPECT_EQ(billing::keyRulingCode(Verdict::Outranked), "key_outranks_caller");
  EXPECT_EQ(billing::keyRulingCode(Verdict::MissingScope), "insufficient_scope");
}

TEST(ApiTimes, UnixSecondsOutsideYears0To9999AreRefusedNotOverflowed) {
  using nlohmann::json;
  EXPECT_EQ(api::parseTime(json(1'700'000'000)), 1'700'000'000'000);
  EXPECT_EQ(api::parseTime(json(253'402'300'799)), 253'402'300'799'000);    // 9999-12-31T23:59:59Z
  EXPECT_EQ(api::parseTime(json(-62'167'219'200)), -62'167'219'200'000);    // 0000-01-01
  EXPECT_EQ(api::parseTime(json("9999-12-31T23:59:59Z")), 253'402'300'799'000);
  EXPECT_FALSE(api::parseTime(json(253'402'300'800)));
  EXPECT_FALSE(api::parseTime(json(-62'167'219'201)));
  // * 1000 overflowed int64_t for these (undefined behaviour).
  EXPECT_FALSE(api::parseTime(json(std::numeric_limits<int64_t>::max())));
  EXPECT_FALSE(api::parseTime(json(std::numeric_limits<int64_t>::min())));
  EXPECT_FALSE(api::parseTime(json(9'300'000'000'000'000)));
  EXPECT_FALSE(api::parseTime(json(std::numeric_limits<uint64_t>::max())));
  EXPECT_FALSE(api::parseTime(json(1.5e300)));
}

http::Request from(std::string address, std::vector<http::Header> headers = {}) {
  http::Request r;
  r.peerAddress = address;
  r.clientAddress = std::move(address);
  r.headers = std::move(headers);
  return r;
}

TEST(AnonymousIdentity, IsTheClientAddressWhateverTheClientSends) {
  auto plain = pipeline::anonymousIdentity(from("203.0.113.7"));
  EXPECT_EQ(plain, "anon:203.0.113.7");
  // Neither X-Client-ID nor User-Agent picks or resets the bucket.
  EXPECT_EQ(pipeline::anonymousIdentity(from("203.0.113.7", {{"x-client-id", "fresh"}, {"user-agent", "new/1"}})), plain);
  EXPECT_NE(pipeline::anonymousIdentity(from("203.0.113.8")), plain);
  // Behind a trusted proxy the client is the address it forwarded for, not the proxy.
  auto forwarded = from("203.0.113.9");
  forwarded.peerAddress = "127.0.0.1";
  EXPECT_EQ(pipeline::anonymousIdentity(forwarded), "anon:203.0.113.9");
}

TEST(AnonymousIdentity, AnIpv6ClientIsBucketedByItsSlash64) {
  EXPECT_EQ(pipeline::clientBucket(from("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(pipeline::clientBucket(from("2001:db8:1:2:ffff:ffff:ffff:ffff")), "2001:db8:1:2::/64");
  EXPECT_EQ(pipeline::clientBucket(from("2001:db8:1:3::1")), "2001:db8:1:3::/64");
  EXPECT_EQ(pipeline::clientBucket(from("::ffff:198.51.100.4")), "198.51.100.4");
  EXPECT_EQ(pipeline::clientBucket(from("198.51.100.4")), "198.51.100.4");
}

}  // namespace
}  // namespace turnpike
