// accounts and wallets tables.
#pragma once

#include <optional>
#include <string_view>

#include "store/connection.hpp"
#include "store/records.hpp"

namespace turnpike::store::accounts {

// Inserts the account and its empty wallet.
void insert(Connection& c, const Account& account);
std::optional<Account> find(Connection& c, std::string_view id);
// False when there is no such account.
bool setTier(Connection& c, std::string_view id, std::string_view tier);
std::optional<Wallet> wallet(Connection& c, std::string_view accountId);

// Holds `amount` if the wallet has that much available; false otherwise.
bool reserve(Connection& c, std::string_view accountId, int64_t amount, int64_t now);
// Releases `held` and takes `charge` from the balance; returns the new balance.
int64_t settle(Connection& c, std::string_view accountId, int64_t held, int64_t charge, int64_t now);
// Adds `delta` (credit > 0, debit < 0) keeping balance >= reserved; nullopt when the account
// does not exist or a debit would eat into held money.
std::optional<int64_t> adjust(Connection& c, std::string_view accountId, int64_t delta, int64_t now);

}  // namespace turnpike::store::accounts
