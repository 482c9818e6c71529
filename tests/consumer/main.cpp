#include <iostream>

#include "tunggal/sdk.h"
#include "tunggal/tunggal_c.h"

int main() {
  tunggal::FingerTemplate t;
  t.width = 300;
  t.height = 400;
  t.minutiae.push_back({10, 20, 0.5f, tunggal::MinutiaType::ending, 80});
  const auto bytes = tunggal::encode_iso19794_2({&t, 1});
  const auto back = tunggal::decode(bytes, tunggal::detect_format(bytes));
  tg_template* c = nullptr;
  const bool c_ok = tg_template_decode(bytes.data(), bytes.size(), TG_FORMAT_AUTO, &c) == TG_OK;
  tg_template_free(c);
  if (back.size() != 1 || back[0].minutiae.size() != 1 || !c_ok) return 1;
  // The SDK's session, in memory.
  tunggal::sdk::SessionConfig config;
  config.face = false;
  tunggal::sdk::Session session(config);
  if (session.count() != 0) return 1;
  std::cout << "consumer ok, tunggal " << tunggal::version() << "\n";
  return 0;
}
