// BOLT11 against every example of lightning/bolts 11-payment-encoding.md ("Examples" and
// "Examples of Invalid Invoices"): the invoices, their fields, signatures, signed bytes and hashes
// are copied from the spec; the spec signs them all with the key below.
#include <gtest/gtest.h>

#include "common/bech32.hpp"
#include "common/crypto.hpp"
#include "lightning/bolt11.hpp"
#include "onchain/address.hpp"
#include "test_util.hpp"

namespace turnpike::payments::lightning {
namespace {

using test::hex;
using test::unhex;

const std::string kSpecKey = unhex("e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734");
const std::string kSpecPayee = unhex("03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad");
const std::string kHash0102 = unhex("0001020304050607080900010203040506070809000102030405060708090102");
const std::string kSecret11 = std::string(32, '\x11');
const std::string kChocolateHash = unhex("3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1");
constexpr uint64_t kSpecTimestamp = 1496314658;

constexpr char kDonation[] =
    "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql";
constexpr char kCoffee[] =
    "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh";
constexpr char kNonsense[] =
    "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpu9qrsgqhtjpauu9ur7fw2thcl4y9vfvh4m9wlfyz2gem29g5ghe2aak2pm3ps8fdhtceqsaagty2vph7utlgj48u0ged6a337aewvraedendscp573dxr";
constexpr char kHashed[] =
    "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqs9qrsgq7ea976txfraylvgzuxs8kgcw23ezlrszfnh8r6qtfpr6cxga50aj6txm9rxrydzd06dfeawfk6swupvz4erwnyutnjq7x39ymw6j38gp7ynn44";
constexpr char kTestnetFallback[] =
    "lntb20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygshp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfpp3x9et2e20v6pu37c5d9vax37wxq72un989qrsgqdj545axuxtnfemtpwkc45hx9d2ft7x04mt8q7y6t0k2dge9e7h8kpy9p34ytyslj3yu569aalz2xdk8xkd7ltxqld94u8h2esmsmacgpghe9k8";
constexpr char kRouteHints[] =
    "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqsfpp3qjmp7lwpagxun9pygexvgpjdc4jdj85fr9yq20q82gphp2nflc7jtzrcazrra7wwgzxqc8u7754cdlpfrmccae92qgzqvzq2ps8pqqqqqqpqqqqq9qqqvpeuqafqxu92d8lr6fvg0r5gv0heeeqgcrqlnm6jhphu9y00rrhy4grqszsvpcgpy9qqqqqqgqqqqq7qqzq9qrsgqdfjcdk6w3ak5pca9hwfwfh63zrrz06wwfya0ydlzpgzxkn5xagsqz7x9j4jwe7yj7vaf2k9lqsdk45kts2fd0fkr28am0u4w95tt2nsq76cqw0";
constexpr char kP2shFallback[] =
    "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygshp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfppj3a24vwu6r8ejrss3axul8rxldph2q7z99qrsgqz6qsgww34xlatfj6e3sngrwfy3ytkt29d2qttr8qz2mnedfqysuqypgqex4haa2h8fx3wnypranf3pdwyluftwe680jjcfp438u82xqphf75ym";
constexpr char kP2wpkhFallback[] =
    "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygshp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfppqw508d6qejxtdg4y5r3zarvary0c5xw7k9qrsgqt29a0wturnys2hhxpner2e3plp6jyj8qx7548zr2z7ptgjjc7hljm98xhjym0dg52sdrvqamxdezkmqg4gdrvwwnf0kv2jdfnl4xatsqmrnsse";
constexpr char kP2wshFallback[] =
    "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygshp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqfp4qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q9qrsgq9vlvyj8cqvq6ggvpwd53jncp9nwc47xlrsnenq2zp70fq83qlgesn4u3uyf4tesfkkwwfg3qs54qe426hp3tz7z6sweqdjg05axsrjqp9yrrwc";
constexpr char kP2trFallback[] =
    "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqsfp4pptdvg0d2nj99568qn6ssdy4cygnwuxgw2ukmnwgwz7jpqjz2kszs9qrsgqy606dznq28exnydt2r4c29y56xjtn3sk4mhgjtl4pg2y4ar3249rq4ajlmj9jy8zvlzw7cr8mggqzm842xfr0v72rswzq9xvr4hknfsqwmn6xd";
constexpr char kPico[] =
    "lnbc9678785340p1pwmna7lpp5gc3xfm08u9qy06djf8dfflhugl6p7lgza6dsjxq454gxhj9t7a0sd8dgfkx7cmtwd68yetpd5s9xar0wfjn5gpc8qhrsdfq24f5ggrxdaezqsnvda3kkum5wfjkzmfqf3jkgem9wgsyuctwdus9xgrcyqcjcgpzgfskx6eqf9hzqnteypzxz7fzypfhg6trddjhygrcyqezcgpzfysywmm5ypxxjemgw3hxjmn8yptk7untd9hxwg3q2d6xjcmtv4ezq7pqxgsxzmnyyqcjqmt0wfjjq6t5v4khxsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygsxqyjw5qcqp2rzjq0gxwkzc8w6323m55m4jyxcjwmy7stt9hwkwe2qxmy8zpsgg7jcuwz87fcqqeuqqqyqqqqlgqqqqn3qq9q9qrsgqrvgkpnmps664wgkp43l22qsgdw4ve24aca4nymnxddlnp8vh9v2sdxlu5ywdxefsfvm0fq3sesf08uf6q9a2ke0hc9j6z6wlxg5z5kqpu2v9wz";
constexpr char kCoffeeBeans[] =
    "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q5sqqqqqqqqqqqqqqqqsgq2a25dxl5hrntdtn6zvydt7d66hyzsyhqs4wdynavys42xgl6sgx9c4g7me86a27t07mdtfry458rtjr0v92cnmswpsjscgt2vcse3sgpz3uapa";
constexpr char kCoffeeBeansUpper[] =
    "LNBC25M1PVJLUEZPP5QQQSYQCYQ5RQWZQFQQQSYQCYQ5RQWZQFQQQSYQCYQ5RQWZQFQYPQDQ5VDHKVEN9V5SXYETPDEESSP5ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYG3ZYGS9Q5SQQQQQQQQQQQQQQQQSGQ2A25DXL5HRNTDTN6ZVYDT7D66HYZSYHQS4WDYNAVYS42XGL6SGX9C4G7ME86A27T07MDTFRY458RTJR0V92CNMSWPSJSCGT2VCSE3SGPZ3UAPA";
constexpr char kCoffeeBeansIgnored[] =
    "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q5sqqqqqqqqqqqqqqqqsgq2qrqqqfppnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqppnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqpp4qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqhpnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqhp4qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqspnqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqsp4qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnp5qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnpkqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqz599y53s3ujmcfjp5xrdap68qxymkqphwsexhmhr8wdz5usdzkzrse33chw6dlp3jhuhge9ley7j2ayx36kawe7kmgg8sv5ugdyusdcqzn8z9x";
constexpr char kMetadata[] =
    "lnbc10m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdp9wpshjmt9de6zqmt9w3skgct5vysxjmnnd9jx2mq8q8a04uqsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q2gqqqqqqsgq7hf8he7ecf7n4ffphs6awl9t6676rrclv9ckg3d3ncn7fct63p6s365duk5wrk202cfy3aj5xnnp5gs3vrdvruverwwq7yzhkf5a3xqpd05wjc";
constexpr char kHighS[] =
    "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap2r09nt4ndd0unm3z9u5t48y6ucv4r5sg7lk98c77ctvjczkspk5qprc90gx";
constexpr char kBadUnknownFeature[] =
    "lnbc25m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5vdhkven9v5sxyetpdeessp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9q4psqqqqqqqqqqqqqqqqsgqtqyx5vggfcsll4wu246hz02kp85x4katwsk9639we5n5yngc3yhqkm35jnjw4len8vrnqnf5ejh0mzj9n3vz2px97evektfm2l6wqccp3y7372";
constexpr char kBadChecksum[] =
    "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf2pyy8edtjeevuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll544esqchsrnt";
constexpr char kBadNoSeparator[] =
    "pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf2pyy8edtjeevuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll544esqchsrny";
constexpr char kBadMixedCase[] =
    "LNBC2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpquwpc4curk03c9wlrswe78q4eyqc7d8d0xqzpuyk0sg5g70me25alkluzd2x62aysf2pyy8edtjeevuv4p2d5p76r4zkmneet7uvyakky2zr4cusd45tftc9c5fh0nnqpnl2jfll544esqchsrny";
constexpr char kBadNotRecoverable[] =
    "lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgqwgt7mcn5yqw3yx0w94pswkpq6j9uh6xfqqqtsk4tnarugeektd4hg5975x9am52rz4qskukxdmjemg92vvqz8nvmsye63r5ykel43pgz7zq0g2";
constexpr char kBadTooShort[] =
    "lnbc1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6na6hlh";
constexpr char kBadMultiplier[] =
    "lnbc2500x1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgqrrzc4cvfue4zp3hggxp47ag7xnrlr8vgcmkjxk3j5jqethnumgkpqp23z9jclu3v0a7e0aruz366e9wqdykw6dxhdzcjjhldxq0w6wgqcnu43j";
constexpr char kBadSubMsat[] =
    "lnbc2500000001p1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpusp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgq0lzc236j96a95uv0m3umg28gclm5lqxtqqwk32uuk4k6673k6n5kfvx3d2h8s295fad45fdhmusm8sjudfhlf6dcsxmfvkeywmjdkxcp99202x";
constexpr char kBadMissingSecret[] =
    "lnbc20m1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqs9qrsgq7ea976txfraylvgzuxs8kgcw23ezlrszfnh8r6qtfpr6cxga50aj6txm9rxrydzd06dfeawfk6swupvz4erwnyutnjq7x39ymw6j38gp49qdkj";
constexpr char kBadHighSWithPayee[] =
    "lnbc25m1p70xwfzpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaqnp4q0n326hr8v9zprg8gsvezcch06gfaqqhde2aj730yg0durunfhv66sp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygs9qrsgqsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygsp5cfzp9ugllvk03rltd6hvndxj26ux6gcxc5azyxk060rj9tzghct5zvjlps76gx8wpq5yuu79688k8gnm2c0al6v608s96l0xzrrlqqwnzxmu";

// The spec's own field values, written out, for the encoder to reproduce its strings.
Invoice specInvoice(std::optional<uint64_t> amountMsat, std::string order) {
  Invoice inv;
  inv.amountMsat = amountMsat;
  inv.timestamp = kSpecTimestamp;
  inv.paymentHash = kHash0102;
  inv.paymentSecret = kSecret11;
  inv.features = {8, 14};
  inv.fieldOrder = std::move(order);
  return inv;
}

Invoice chocolateInvoice(std::string order) {
  Invoice inv = specInvoice(2'000'000'000, std::move(order));
  inv.descriptionHash = kChocolateHash;
  return inv;
}

DecodedInvoice mustDecode(std::string_view text) {
  auto d = decode(text);
  EXPECT_TRUE(d.ok()) << d.error();
  return d.ok() ? *d : DecodedInvoice{};
}

std::string mustEncode(const Invoice& inv) {
  auto s = encode(inv, kSpecKey);
  EXPECT_TRUE(s.ok()) << s.error();
  return s.ok() ? *s : std::string();
}

TEST(Bolt11, DonationAnyAmount) {
  auto d = mustDecode(kDonation);
  const Invoice& inv = d.invoice;
  EXPECT_EQ(inv.network, Network::Mainnet);
  EXPECT_FALSE(inv.amountMsat.has_value());
  EXPECT_EQ(inv.timestamp, kSpecTimestamp);
  EXPECT_EQ(inv.paymentHash, kHash0102);
  EXPECT_EQ(inv.paymentSecret, kSecret11);
  EXPECT_EQ(inv.description, "Please consider supporting this project");
  EXPECT_FALSE(inv.descriptionHash.has_value());
  EXPECT_EQ(inv.features, (std::vector<uint16_t>{8, 14}));
  EXPECT_EQ(inv.expirySeconds(), 3600u);
  EXPECT_EQ(inv.minFinalCltv(), 18u);
  EXPECT_FALSE(inv.payee.has_value());
  EXPECT_EQ(d.payee, kSpecPayee);
  EXPECT_EQ(inv.fieldOrder, "spd9");

  Invoice mine = specInvoice(std::nullopt, "spd9");
  mine.description = "Please consider supporting this project";
  EXPECT_EQ(mustEncode(mine), kDonation);
}

TEST(Bolt11, CoffeeWithExpiry) {
  auto d = mustDecode(kCoffee);
  EXPECT_EQ(d.invoice.amountMsat, 250'000'000u);
  EXPECT_EQ(d.invoice.description, "1 cup coffee");
  EXPECT_EQ(d.invoice.expiry, 60u);
  EXPECT_EQ(d.invoice.expiresAt(), kSpecTimestamp + 60);
  EXPECT_FALSE(d.invoice.isExpired(kSpecTimestamp + 59));
  EXPECT_TRUE(d.invoice.isExpired(kSpecTimestamp + 60));
  EXPECT_EQ(d.payee, kSpecPayee);

  Invoice mine = specInvoice(250'000'000, "spdx9");
  mine.description = "1 cup coffee";
  mine.expiry = 60;
  EXPECT_EQ(mustEncode(mine), kCoffee);
}

TEST(Bolt11, Utf8Description) {
  auto d = mustDecode(kNonsense);
  EXPECT_EQ(d.invoice.description, "ナンセンス 1杯");
  EXPECT_EQ(d.invoice.amountMsat, 250'000'000u);

  Invoice mine = specInvoice(250'000'000, "spdx9");
  mine.description = "ナンセンス 1杯";
  mine.expiry = 60;
  EXPECT_EQ(mustEncode(mine), kNonsense);
}

TEST(Bolt11, DescriptionHash) {
  auto d = mustDecode(kHashed);
  EXPECT_EQ(d.invoice.amountMsat, 2'000'000'000u);
  EXPECT_FALSE(d.invoice.description.has_value());
  EXPECT_EQ(d.invoice.descriptionHash, kChocolateHash);
  // The spec's hash is of this text.
  EXPECT_EQ(crypto::sha256("One piece of chocolate cake, one icecream cone, one pickle, one slice of swiss cheese, "
                           "one slice of salami, one lollypop, one piece of cherry pie, one sausage, one cupcake, "
                           "and one slice of watermelon"),
            kChocolateHash);
  EXPECT_EQ(mustEncode(chocolateInvoice("sph9")), kHashed);
}

TEST(Bolt11, TestnetP2pkhFallback) {
  auto d = mustDecode(kTestnetFallback);
  EXPECT_EQ(d.invoice.network, Network::Testnet);
  ASSERT_EQ(d.invoice.fallbacks.size(), 1u);
  EXPECT_EQ(d.invoice.fallbacks[0].version, 17);
  EXPECT_EQ(onchain::encodeLegacyAddress(Network::Testnet, onchain::AddressType::P2PKH, d.invoice.fallbacks[0].program),
            "mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP");

  Invoice mine = chocolateInvoice("shpf9");
  mine.network = Network::Testnet;
  auto address = onchain::parseAddress("mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP", Network::Testnet);
  ASSERT_TRUE(address.ok()) << address.error();
  mine.fallbacks = {{17, address->program}};
  EXPECT_EQ(mustEncode(mine), kTestnetFallback);
}

TEST(Bolt11, RouteHintsAndFallback) {
  auto d = mustDecode(kRouteHints);
  const Invoice& inv = d.invoice;
  ASSERT_EQ(inv.fallbacks.size(), 1u);
  EXPECT_EQ(onchain::encodeLegacyAddress(Network::Mainnet, onchain::AddressType::P2PKH, inv.fallbacks[0].program),
            "1RustyRX2oai4EYYDpQGWvEL62BBGqN9T");
  ASSERT_EQ(inv.routeHints.size(), 1u);
  const auto& route = inv.routeHints[0];
  ASSERT_EQ(route.size(), 2u);
  EXPECT_EQ(hex(route[0].pubkey), "029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255");
  EXPECT_EQ(formatShortChannelId(route[0].shortChannelId), "66051x263430x1800");
  EXPECT_EQ(route[0].feeBaseMsat, 1u);
  EXPECT_EQ(route[0].feeProportionalMillionths, 20u);
  EXPECT_EQ(route[0].cltvExpiryDelta, 3);
  EXPECT_EQ(hex(route[1].pubkey), "039e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255");
  EXPECT_EQ(formatShortChannelId(route[1].shortChannelId), "197637x395016x2314");
  EXPECT_EQ(route[1].feeBaseMsat, 2u);
  EXPECT_EQ(route[1].feeProportionalMillionths, 30u);
  EXPECT_EQ(route[1].cltvExpiryDelta, 4);
  EXPECT_EQ(inv.fieldOrder, "sphfr9");

  Invoice mine = chocolateInvoice("sphfr9");
  mine.fallbacks = {{17, onchain::parseAddress("1RustyRX2oai4EYYDpQGWvEL62BBGqN9T", Network::Mainnet)->program}};
  mine.routeHints = {{
      {unhex("029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255"),
       (uint64_t{66051} << 40) | (uint64_t{263430} << 16) | 1800, 1, 20, 3},
      {unhex("039e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255"),
       (uint64_t{197637} << 40) | (uint64_t{395016} << 16) | 2314, 2, 30, 4},
  }};
  EXPECT_EQ(mustEncode(mine), kRouteHints);
}

// The four fallback examples: P2SH, P2WPKH, P2WSH (bech32) and P2TR (bech32m).
TEST(Bolt11, FallbackAddresses) {
  struct Case {
    const char* invoice;
    const char* address;
    uint8_t version;
    const char* order;
  } cases[] = {
      {kP2shFallback, "3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX", 18, "shpf9"},
      {kP2wpkhFallback, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", 0, "shpf9"},
      {kP2wshFallback, "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", 0, "shpf9"},
      {kP2trFallback, "bc1pptdvg0d2nj99568qn6ssdy4cygnwuxgw2ukmnwgwz7jpqjz2kszse2s3lm", 1, "sphf9"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    auto d = mustDecode(c.invoice);
    ASSERT_EQ(d.invoice.fallbacks.size(), 1u);
    const Fallback& f = d.invoice.fallbacks[0];
    EXPECT_EQ(f.version, c.version);
    auto parsed = onchain::parseAddress(c.address, Network::Mainnet);
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    EXPECT_EQ(f.program, parsed->program);

    Invoice mine = chocolateInvoice(c.order);
    mine.fallbacks = {{c.version, parsed->program}};
    EXPECT_EQ(mustEncode(mine), c.invoice);
  }
}

TEST(Bolt11, PicoAmountWithCltvAndRoute) {
  auto d = mustDecode(kPico);
  const Invoice& inv = d.invoice;
  EXPECT_EQ(inv.amountMsat, 967'878'534u);
  EXPECT_EQ(inv.timestamp, 1572468703u);
  EXPECT_EQ(hex(inv.paymentHash), "462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f");
  EXPECT_EQ(inv.description,
            "Blockstream Store: 88.85 USD for Blockstream Ledger Nano S x 1, \"Back In My Day\" Sticker x 2, "
            "\"I Got Lightning Working\" Sticker x 2 and 1 more items");
  EXPECT_EQ(inv.expiry, 604800u);
  EXPECT_EQ(inv.minFinalCltvExpiry, 10u);
  EXPECT_EQ(inv.minFinalCltv(), 10u);
  ASSERT_EQ(inv.routeHints.size(), 1u);
  ASSERT_EQ(inv.routeHints[0].size(), 1u);
  const RouteHop& hop = inv.routeHints[0][0];
  EXPECT_EQ(hex(hop.pubkey), "03d06758583bb5154774a6eb221b1276c9e82d65bbaceca806d90e20c108f4b1c7");
  EXPECT_EQ(formatShortChannelId(hop.shortChannelId), "589390x3312x1");
  EXPECT_EQ(hop.feeBaseMsat, 1000u);
  EXPECT_EQ(hop.feeProportionalMillionths, 2500u);
  EXPECT_EQ(hop.cltvExpiryDelta, 40);
  EXPECT_EQ(d.payee, kSpecPayee);
  EXPECT_EQ(inv.fieldOrder, "pdsxcr9");
  EXPECT_EQ(mustEncode(inv), kPico);
}

TEST(Bolt11, FeaturesAndUppercase) {
  auto d = mustDecode(kCoffeeBeans);
  EXPECT_EQ(d.invoice.amountMsat, 2'500'000'000u);
  EXPECT_EQ(d.invoice.description, "coffee beans");
  EXPECT_EQ(d.invoice.paymentSecret, kSecret11);
  // Bit 99 is odd and unknown: allowed ("it's ok to be odd").
  EXPECT_EQ(d.invoice.features, (std::vector<uint16_t>{8, 14, 99}));
  EXPECT_TRUE(d.invoice.hasFeature(99));
  EXPECT_FALSE(d.invoice.hasFeature(16));
  EXPECT_EQ(d.payee, kSpecPayee);

  Invoice mine = specInvoice(2'500'000'000, "pds9");
  mine.description = "coffee beans";
  mine.features = {8, 14, 99};
  EXPECT_EQ(mustEncode(mine), kCoffeeBeans);

  auto upper = mustDecode(kCoffeeBeansUpper);
  EXPECT_EQ(upper.invoice.description, "coffee beans");
  EXPECT_EQ(upper.invoice.features, d.invoice.features);
  EXPECT_EQ(upper.payee, kSpecPayee);
}

// Unknown field 2, an f field of version 19, and p/h/s/n fields of the wrong length must all be
// skipped, leaving the same invoice as kCoffeeBeans.
TEST(Bolt11, SkipsFieldsThatMustBeIgnored) {
  auto d = mustDecode(kCoffeeBeansIgnored);
  EXPECT_EQ(d.invoice.paymentHash, kHash0102);
  EXPECT_EQ(d.invoice.paymentSecret, kSecret11);
  EXPECT_EQ(d.invoice.description, "coffee beans");
  EXPECT_FALSE(d.invoice.descriptionHash.has_value());
  EXPECT_FALSE(d.invoice.payee.has_value());
  EXPECT_TRUE(d.invoice.fallbacks.empty());
  EXPECT_EQ(d.invoice.fieldOrder, "pds9");
  EXPECT_EQ(d.payee, kSpecPayee);
}

TEST(Bolt11, PaymentMetadata) {
  auto d = mustDecode(kMetadata);
  EXPECT_EQ(d.invoice.amountMsat, 1'000'000'000u);
  EXPECT_EQ(d.invoice.description, "payment metadata inside");
  EXPECT_EQ(d.invoice.metadata, unhex("01fafaf0"));
  EXPECT_EQ(d.invoice.features, (std::vector<uint16_t>{8, 14, 48}));

  Invoice mine = specInvoice(1'000'000'000, "pdms9");
  mine.description = "payment metadata inside";
  mine.metadata = unhex("01fafaf0");
  mine.features = {8, 14, 48};
  EXPECT_EQ(mustEncode(mine), kMetadata);
}

// Without `n` a reader must accept a high-S signature and recover the key. The example is the
// first one with s negated and the same recovery id, so standard recovery (libsecp256k1, and the
// npm bolt11 package in tests/clients) yields another key than the spec's; re-encoding the same
// fields with the spec's key gives the first example back, low-S.
TEST(Bolt11, HighSRecoveredWithoutPayeeField) {
  auto d = mustDecode(kHighS);
  EXPECT_FALSE(Secp256k1::shared().isLowS(d.signature.compact));
  EXPECT_EQ(hex(d.payee), "02d0139ce7427d6dfffd26a326c18be754ef1e64672b42694ba5b23ef6e6e7803d");
  EXPECT_EQ(d.invoice.description, "Please consider supporting this project");
  EXPECT_EQ(mustEncode(d.invoice), kDonation);
}

// The spec's signature breakdowns: signature, recovery id, the signed bytes and their hash.
TEST(Bolt11, SignatureBreakdowns) {
  struct Case {
    const char* invoice;
    const char* signature;
    int recoveryId;
    const char* signedData;
    const char* signedHash;
  } cases[] = {
    {kDonation, "8d3ce9e28357337f62da0162d9454df827f83cfe499aeb1c1db349d4d81127425e434ca29929406c23bba1ae8ac6ca32880b38d4bf6ff874024cac34ba9625f1",
     1,
     "6c6e62630b25fe64500d04444444444444444444444444444444444444444444444444444444444444444021a00008101820283038404800081018202830384048000810182028303840480810343f506c6561736520636f6e736964657220737570706f7274696e6720746869732070726f6a6563740500e08000",
     "6daf4d488be41ce7cbb487cab1ef2975e5efcea879b20d421f0ef86b07cbb987"},
    {kCoffee, "e59e3ffbd3945e4334879158d31e89b076dff54f3fa7979ae79df2db9dcaf5896cbfe1a478b8d2307e92c88139464cb7e6ef26e414c4abe33337961ddc5e8ab1",
     1,
     "6c6e626332353030750b25fe64500d04444444444444444444444444444444444444444444444444444444444444444021a000081018202830384048000810182028303840480008101820283038404808103414312063757020636f66666565030041e140382000",
     "047e24bf270b25d42a56d57b2578faa3a10684641bab817c2851a871cb41dbc0"},
    {kNonsense, "bae41ef385e0fc972977c7ea42b12cbd76577d2412919da8a8a22f9577b6507710c0e96dd78c821dea16453037f717f44aa7e3d196ebb18fbb97307dcb7336c3",
     1,
     "6c6e626332353030750b25fe64500d04444444444444444444444444444444444444444444444444444444444444444021a000081018202830384048000810182028303840480008101820283038404808103420e3838ae383b3e382bbe383b3e382b92031e69daf30041e14038200",
     "f140d992ba419578ba9cfe1af85f92df90a76f442fb5e6e09b1f0582534ba87d"},
    {kHashed, "f67a5f696648fa4fb102e1a07b230e54722f8e024cee71e80b4847ac191da3fb2d2cdb28cc32344d7e9a9cf5c9b6a0ee0582ae46e9938b9c81e344a4dbb5289d",
     1,
     "6c6e626332306d0b25fe64500d04444444444444444444444444444444444444444444444444444444444444444021a000081018202830384048000810182028303840480008101820283038404808105c343925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c10280704000",
     "e2ffa444e2979edb639fbdaa384638683ba1a5240b14dd7a150e45a04eea261d"},
    {kTestnetFallback, "6ca95a74dc32e69ced6175b15a5cc56a92bf19f5dace0f134b7d94d464b9f5cf6090a18d48b243f289394d17bdf89466d8e6b37df5981f696bc3dd5986e1bee1",
     1,
     "6c6e746232306d0b25fe64500d044444444444444444444444444444444444444444444444444444444444444442e1a1c92db7b3f161a001b7689049eea2701b46f8db7513629edf2408fac7eaedc608043400010203040506070809000102030405060708090001020304050607080901020484313172b5654f6683c8fb146959d347ce303cae4ca728070400",
     "33bc6642a336097c74299cadfdfdd2e4884a555cf1b4fda72b095382d473d795"},
    {kRouteHints, "6a6586db4e8f6d40e3a5bb92e4df5110c627e9ce493af237e20a046b4e86ea200178c59564ecf892f33a9558bf041b6ad2cb8292d7a6c351fbb7f2ae2d16b54e",
     0,
     "6c6e626332306d0b25fe64500d04444444444444444444444444444444444444444444444444444444444444444021a000081018202830384048000810182028303840480008101820283038404808105c343925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c104843104b61f7dc1ea0dc99424464cc4064dc564d91e891948053c07520370aa69fe3d258878e8863ef9ce408c0c1f9ef52b86fc291ef18ee4aa020406080a0c0e1000000002000000280006073c07520370aa69fe3d258878e8863ef9ce408c0c1f9ef52b86fc291ef18ee4aa06080a0c0e101214000000040000003c00080500e08000",
     "b342d4655b984e53f405fe4d872fb9b7cf54ba538fcd170ed4a5906a9f535064"},
    {kP2shFallback, "16810439d1a9bfd5a65acc61340dc92448bb2d456a80b58ce012b73cb5202438020500c9ab7ef5573a4d174c811f669885ae27f895bb3a3be52c243589f87518",
     1,
     "6c6e626332306d0b25fe64500d044444444444444444444444444444444444444444444444444444444444444442e1a1c92db7b3f161a001b7689049eea2701b46f8db7513629edf2408fac7eaedc608043400010203040506070809000102030405060708090001020304050607080901020484328f55563b9a19f321c211e9b9f38cdf686ea0784528070400",
     "9e93321a775f7dffdca03e61d1ac6e0e356cc63cecd3835271200c1e5b499d29"},
    {kP2wpkhFallback, "5a8bd7b97c1cc9055ee60cf2356621f8752248e037a953886a1782b44a58f5ff2d94e6bc89b7b514541a3603bb33722b6c08aa1a3639d34becc549a99fea6eae",
     0,
     "6c6e626332306d0b25fe64500d044444444444444444444444444444444444444444444444444444444444444442e1a1c92db7b3f161a001b7689049eea2701b46f8db7513629edf2408fac7eaedc60804340001020304050607080900010203040506070809000102030405060708090102048420751e76e8199196d454941c45d1b3a323f1433bd628070400",
     "44fbec32cdac99a1a3cd638ec507dad633a1e5bba514832fd3471e663a157f7b"},
    {kP2wshFallback, "2b3ec248f80301a421817369194f012cdd8af8df1c279981420f9e901e20fa3309d791e11355e609b59ce4a220852a0cd55ab862b1785a83b206c90fa74d01c8",
     1,
     "6c6e626332306d0b25fe64500d044444444444444444444444444444444444444444444444444444444444444442e1a1c92db7b3f161a001b7689049eea2701b46f8db7513629edf2408fac7eaedc608043400010203040506070809000102030405060708090001020304050607080901020486a01863143c14c5166804bd19203356da136c985678cd4d27a1b8c63296049032620280704000",
     "865a2cc6730e1eeeacd30e6da8e9ab0e9115828d27953ec0c0f985db05da5027"},
    {kP2trFallback, "269fa68a6051f26991ab50eb851494d1a4b9c616aeee892ff50a144af471554a3057b2fee45910e267c4ef6067da10016cf5519237b3ca1c1c2014cc1d6f69a6",
     0,
     "6c6e626332306d0b25fe64500d04444444444444444444444444444444444444444444444444444444444444444021a000081018202830384048000810182028303840480008101820283038404808105c343925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c10486a10adac43daa9c8a5a68e09ea10692b82226ee190e572db9b90e17a410484ab4050280704000",
     "116fdb0f18352c886deb263f6466eb40e5e6518b80231a1f9df86088bfa48043"},
    {kHighS, "8d3ce9e28357337f62da0162d9454df827f83cfe499aeb1c1db349d4d8112742a1bcb35d66d6bf93dc445e51753935cc32a3a411efd8a7c7bd85b25815a01b50",
     1,
     "6c6e62630b25fe64500d04444444444444444444444444444444444444444444444444444444444444444021a00008101820283038404800081018202830384048000810182028303840480810343f506c6561736520636f6e736964657220737570706f7274696e6720746869732070726f6a6563740500e08000",
     "6daf4d488be41ce7cbb487cab1ef2975e5efcea879b20d421f0ef86b07cbb987"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.invoice);
    auto d = mustDecode(c.invoice);
    EXPECT_EQ(hex(d.signature.compact), c.signature);
    EXPECT_EQ(d.signature.recoveryId, c.recoveryId);
    EXPECT_EQ(hex(d.signedData), c.signedData);
    EXPECT_EQ(hex(crypto::sha256(d.signedData)), c.signedHash);
    if (c.invoice != kHighS) {
      EXPECT_EQ(d.payee, kSpecPayee);
    }
  }
}

// Every valid example decodes and, except the high-S one and the one with ignored fields,
// re-encodes to the same string.
TEST(Bolt11, DecodeEncodeRoundTripOfEveryExample) {
  for (const char* text : {kDonation, kCoffee, kNonsense, kHashed, kTestnetFallback, kRouteHints, kP2shFallback,
                           kP2wpkhFallback, kP2wshFallback, kP2trFallback, kPico, kCoffeeBeans, kMetadata}) {
    SCOPED_TRACE(text);
    auto d = mustDecode(text);
    EXPECT_EQ(mustEncode(d.invoice), text);
  }
}

TEST(Bolt11, SpecInvalidExamples) {
  struct Case {
    const char* invoice;
    const char* reason;
  } cases[] = {
      {kBadUnknownFeature, "unknown required feature bit 100"},
      {kBadChecksum, "invalid checksum"},
      {kBadNoSeparator, "no separator"},
      {kBadMixedCase, "mixed case"},
      {kBadNotRecoverable, "not recoverable"},
      {kBadTooShort, "too short"},
      {kBadMultiplier, "invalid amount multiplier"},
      {kBadSubMsat, "not a whole number of msat"},
      {kBadMissingSecret, "missing payment secret"},
      {kBadHighSWithPayee, "high-S"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.invoice);
    auto d = decode(c.invoice);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().find(c.reason), std::string::npos) << d.error();
  }
}

TEST(Bolt11, PayeeFieldIsVerified) {
  Invoice inv = specInvoice(1000, "");
  inv.description = "with n";
  inv.payee = kSpecPayee;
  std::string text = mustEncode(inv);
  auto d = mustDecode(text);
  EXPECT_EQ(d.invoice.payee, kSpecPayee);
  EXPECT_EQ(d.payee, kSpecPayee);

  // Same fields, signed by another key but still claiming the spec's payee.
  std::string otherKey(32, '\x42');
  inv.payee = Secp256k1::shared().publicKey(otherKey);
  std::string forged = *encode(inv, otherKey);
  auto parsed = bech32::decode(forged, bech32::kNoLengthLimit);
  auto genuine = bech32::decode(text, bech32::kNoLengthLimit);
  ASSERT_TRUE(parsed.ok() && genuine.ok());
  // Splice the genuine n field (53 words after its 3-word header) into the forged invoice.
  auto findPayee = [](const bech32::Words& w) {
    for (size_t i = 7; i + 3 < w.size();) {
      size_t len = w[i + 1] * 32u + w[i + 2];
      if (w[i] == 19) return i;
      i += 3 + len;
    }
    return size_t{0};
  };
  size_t at = findPayee(parsed->data);
  size_t genuineAt = findPayee(genuine->data);
  ASSERT_GT(at, 0u);
  std::copy(genuine->data.begin() + genuineAt, genuine->data.begin() + genuineAt + 56, parsed->data.begin() + at);
  auto spliced = decode(bech32::encode(parsed->hrp, parsed->data, bech32::Encoding::Bech32));
  ASSERT_FALSE(spliced.ok());
  EXPECT_NE(spliced.error().find("does not match the payee"), std::string::npos) << spliced.error();
}

// Without `n`, changing any signed word still decodes but recovers some other key: callers must
// compare DecodedInvoice::payee with the node they expect.
TEST(Bolt11, TamperedInvoiceRecoversAnotherPayee) {
  auto parsed = bech32::decode(kCoffee, bech32::kNoLengthLimit);
  ASSERT_TRUE(parsed.ok());
  parsed->data[3] ^= 1;  // inside the timestamp
  auto d = decode(bech32::encode(parsed->hrp, parsed->data, bech32::Encoding::Bech32));
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_NE(d->invoice.timestamp, kSpecTimestamp);
  EXPECT_NE(d->payee, kSpecPayee);
}

TEST(Bolt11, RejectsMalformedHrpAndData) {
  // Unknown currency, bech32m checksum, duplicate payment hash, truncated field.
  Invoice inv = specInvoice(1000, "");
  inv.description = "x";
  std::string good = mustEncode(inv);
  auto parsed = bech32::decode(good, bech32::kNoLengthLimit);
  ASSERT_TRUE(parsed.ok());

  auto withHrp = [&](const std::string& hrp) { return decode(bech32::encode(hrp, parsed->data, bech32::Encoding::Bech32)); };
  EXPECT_NE(withHrp("lnxy10n").error().find("unknown currency"), std::string::npos);
  EXPECT_NE(withHrp("lntbx10n").error().find("unknown currency"), std::string::npos);
  EXPECT_NE(withHrp("bc10n").error().find("does not start with 'ln'"), std::string::npos);
  EXPECT_NE(withHrp("lnbc010n").error().find("leading zero"), std::string::npos);
  EXPECT_NE(withHrp("lnbc1x0n").error().find("not a decimal"), std::string::npos);
  // A different amount in the HRP changes the signed data: the recovered key is someone else's.
  auto otherAmount = withHrp("lnbc20n");
  ASSERT_TRUE(otherAmount.ok()) << otherAmount.error();
  EXPECT_EQ(otherAmount->invoice.amountMsat, 2'000u);
  EXPECT_NE(otherAmount->payee, kSpecPayee);

  auto m = decode(bech32::encode(parsed->hrp, parsed->data, bech32::Encoding::Bech32m));
  EXPECT_NE(m.error().find("bech32m"), std::string::npos) << m.error();

  // The data part cut right after the timestamp plus a signature's worth of words: the tagged
  // fields no longer parse.
  bech32::Words cut(parsed->data.begin(), parsed->data.begin() + 7 + 2);
  cut.insert(cut.end(), parsed->data.end() - 104, parsed->data.end());
  auto truncated = decode(bech32::encode(parsed->hrp, cut, bech32::Encoding::Bech32));
  EXPECT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find("truncated tagged field"), std::string::npos) << truncated.error();

  EXPECT_FALSE(decode("").ok());
  EXPECT_FALSE(decode(std::string(good).substr(0, good.size() - 1)).ok());
}

TEST(Bolt11, RejectsDuplicateAndNonMinimalFields) {
  auto withExtraField = [](uint8_t type, bech32::Words data) {
    Invoice inv = specInvoice(1000, "psd");
    inv.description = "x";
    inv.features.clear();
    auto parsed = bech32::decode(*encode(inv, kSpecKey), bech32::kNoLengthLimit);
    bech32::Words words(parsed->data.begin(), parsed->data.end() - 104);
    words.push_back(type);
    words.push_back(static_cast<uint8_t>(data.size() >> 5));
    words.push_back(static_cast<uint8_t>(data.size() & 31));
    words.insert(words.end(), data.begin(), data.end());
    // Re-sign so that only the field itself can be the problem.
    std::string msg = parsed->hrp;
    auto packed = bech32::convertBits(words, 5, 8, true);
    msg.append(packed->begin(), packed->end());
    auto sig = Secp256k1::shared().signRecoverable(crypto::sha256(msg), kSpecKey);
    std::string sigBytes = sig->compact + std::string(1, static_cast<char>(sig->recoveryId));
    auto sigWords = bech32::toWords(sigBytes);
    words.insert(words.end(), sigWords.begin(), sigWords.end());
    return decode(bech32::encode(parsed->hrp, words, bech32::Encoding::Bech32));
  };
  EXPECT_TRUE(withExtraField(2, {0, 0, 0}).ok());  // unknown type: skipped
  // A repeated single-valued field is ignored, the first one counts.
  auto secondHash = withExtraField(1, bech32::toWords(std::string(32, '\x99')));
  ASSERT_TRUE(secondHash.ok()) << secondHash.error();
  EXPECT_EQ(secondHash->invoice.paymentHash, kHash0102);
  EXPECT_EQ(secondHash->invoice.fieldOrder, "psd");
  auto secondDescription = withExtraField(13, bech32::toWords("y"));
  ASSERT_TRUE(secondDescription.ok()) << secondDescription.error();
  EXPECT_EQ(secondDescription->invoice.description, "x");
  EXPECT_NE(withExtraField(6, {0, 1}).error().find("not minimally encoded"), std::string::npos);
  EXPECT_NE(withExtraField(24, {0, 9}).error().find("not minimally encoded"), std::string::npos);
  EXPECT_NE(withExtraField(5, {0, 1}).error().find("not minimally encoded"), std::string::npos);
  EXPECT_NE(withExtraField(23, bech32::toWords(kChocolateHash)).error().find("exactly one of"), std::string::npos);
  // A P2PKH fallback must carry 20 bytes.
  bech32::Words shortFallback{17};
  auto tenBytes = bech32::toWords(std::string(10, 'a'));
  shortFallback.insert(shortFallback.end(), tenBytes.begin(), tenBytes.end());
  EXPECT_NE(withExtraField(9, shortFallback).error().find("20-byte"), std::string::npos);
  // Route hints come in 51-byte hops.
  EXPECT_NE(withExtraField(3, bech32::toWords(std::string(50, 'a'))).error().find("multiple of 51"), std::string::npos);
  // Metadata whose single word is padding with a bit set.
  EXPECT_NE(withExtraField(27, {1}).error().find("invalid padding"), std::string::npos);
  auto expiry = withExtraField(6, {1, 0});
  ASSERT_TRUE(expiry.ok()) << expiry.error();
  EXPECT_EQ(expiry->invoice.expiry, 32u);
}

TEST(Bolt11, AmountsInTheHrp) {
  struct Case {
    const char* text;
    uint64_t msat;
  } good[] = {{"1", 100'000'000'000},  {"20m", 2'000'000'000}, {"2500u", 250'000'000},
              {"10n", 1'000},          {"10p", 1},             {"9678785340p", 967'878'534},
              {"21000000", 2'100'000'000'000'000'000}};
  for (const auto& c : good) {
    SCOPED_TRACE(c.text);
    auto a = parseAmount(c.text);
    ASSERT_TRUE(a.ok()) << a.error();
    EXPECT_EQ(*a, c.msat);
  }
  EXPECT_FALSE(parseAmount("")->has_value());
  for (const char* bad : {"1p", "11p", "0", "01m", "m", "2500x", "25.5m", "-1", "184467440738m",
                          "1844674407370955161600p", "99999999999999999999999"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parseAmount(bad).ok());
  }
  // The encoder's shortest form.
  EXPECT_EQ(formatAmount(100'000'000'000), "1");
  EXPECT_EQ(formatAmount(2'000'000'000), "20m");
  EXPECT_EQ(formatAmount(250'000'000), "2500u");
  EXPECT_EQ(formatAmount(1'000), "10n");
  EXPECT_EQ(formatAmount(1), "10p");
  EXPECT_EQ(formatAmount(967'878'534), "9678785340p");
  for (uint64_t msat : {uint64_t{1}, uint64_t{999}, uint64_t{123'456'789}, uint64_t{100'000}, uint64_t{18'446'744'073'709'551'615u}}) {
    auto back = parseAmount(formatAmount(msat));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(*back, msat);
  }
}

TEST(Bolt11, EncodeRegtestAndSignetRoundTrip) {
  for (Network n : {Network::Regtest, Network::Signet, Network::Testnet}) {
    Invoice inv;
    inv.network = n;
    inv.amountMsat = 21'000;
    inv.timestamp = 1'700'000'000;
    inv.paymentHash = crypto::sha256("preimage");
    inv.paymentSecret = std::string(32, '\x07');
    inv.description = "turnpike";
    inv.expiry = 600;
    inv.minFinalCltvExpiry = 40;
    inv.features = {14, 17};
    std::string text = mustEncode(inv);
    EXPECT_EQ(text.rfind("ln" + std::string(bolt11Currency(n)) + "210n1", 0), 0u) << text;
    auto d = mustDecode(text);
    EXPECT_EQ(d.invoice.network, n);
    EXPECT_EQ(d.invoice.amountMsat, 21'000u);
    EXPECT_EQ(d.invoice.expiry, 600u);
    EXPECT_EQ(d.invoice.minFinalCltvExpiry, 40u);
    EXPECT_EQ(d.invoice.features, (std::vector<uint16_t>{14, 17}));
    EXPECT_EQ(d.payee, kSpecPayee);
  }
}

TEST(Bolt11, EncodeRefusesInvalidInvoices) {
  auto base = [] {
    Invoice inv = specInvoice(1000, "");
    inv.description = "ok";
    return inv;
  };
  EXPECT_TRUE(encode(base(), kSpecKey).ok());
  auto error = [](const Invoice& inv, std::string_view key = kSpecKey) {
    auto r = encode(inv, key);
    return r.ok() ? std::string("encoded") : r.error();
  };
  Invoice inv = base();
  EXPECT_NE(error(inv, std::string(32, '\0')).find("invalid secret key"), std::string::npos);
  EXPECT_NE(error(inv, "short").find("invalid secret key"), std::string::npos);
  inv.paymentSecret.clear();
  EXPECT_NE(error(inv).find("payment secret"), std::string::npos);
  inv = base();
  inv.paymentHash = "short";
  EXPECT_NE(error(inv).find("payment hash"), std::string::npos);
  inv = base();
  inv.descriptionHash = kChocolateHash;
  EXPECT_NE(error(inv).find("exactly one"), std::string::npos);
  inv = base();
  inv.description.reset();
  EXPECT_NE(error(inv).find("exactly one"), std::string::npos);
  inv = base();
  for (const char* bad : {"\xff\xfe", "\xe3\x83", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    inv.description = bad;  // invalid byte, truncated, overlong, surrogate, past U+10FFFF
    EXPECT_NE(error(inv).find("UTF-8"), std::string::npos) << inv.description->size();
  }
  inv.description = "\xf0\x9f\x8d\xb0 caf\xc3\xa9";  // U+1F370 and é
  EXPECT_TRUE(encode(inv, kSpecKey).ok());
  inv = base();
  inv.description = std::string(639, 'a');  // the longest a field can carry
  EXPECT_TRUE(encode(inv, kSpecKey).ok());
  inv.description = std::string(640, 'a');
  EXPECT_NE(error(inv).find("1023 words"), std::string::npos);
  inv = base();
  inv.amountMsat = 0;
  EXPECT_NE(error(inv).find("positive"), std::string::npos);
  inv = base();
  inv.timestamp = uint64_t{1} << 35;
  EXPECT_NE(error(inv).find("35 bits"), std::string::npos);
  inv = base();
  inv.payee = unhex("029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255");
  EXPECT_NE(error(inv).find("not the signing key"), std::string::npos);
  inv = base();
  inv.fallbacks = {{0, std::string(21, 'a')}};
  EXPECT_NE(error(inv).find("20 or 32"), std::string::npos);
  inv = base();
  inv.routeHints = {{}};
  EXPECT_NE(error(inv).find("empty route"), std::string::npos);
  inv = base();
  inv.fieldOrder = "pz";
  EXPECT_NE(error(inv).find("unknown field letter"), std::string::npos);
}

}  // namespace
}  // namespace turnpike::payments::lightning
