#include <iostream>

#include "commands.h"
#include "tunggal/sdk.h"

namespace tunggal::cli {
namespace {

struct ConvertArgs {
  std::string input, output, from, to, xyt_convention = "nist";
  int width = 0, height = 0, dpi = 500;
  bool allow_empty = false;
};

TemplateFormat parse_format(const std::string& name, const char* which) {
  const auto f = format_from_name(name);
  if (!f) {
    throw Error(ErrorCode::invalid_argument, std::string(which) + " format \"" + name +
                                                 "\" is not one of iso, ansi, xyt, native");
  }
  return *f;
}

}  // namespace

Runner add_convert(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  auto* cmd = app.add_subcommand("convert",
                                 "Convert a template between formats "
                                 "(iso, ansi, xyt, native)");
  cmd->add_option("input", args->input, "Template file to read")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("output", args->output, "File to write")->required();
  cmd->add_option("--from", args->from, "Input format (default: detected from content)");
  cmd->add_option("--to", args->to,
                  "Output format (default: from the output extension: "
                  ".iso .ansi .xyt .tgt)");
  cmd->add_option("--xyt-convention", args->xyt_convention,
                  "Convention of .xyt files: nist (mindtct default, origin bottom-left) or m1")
      ->check(CLI::IsMember({"nist", "m1"}));
  cmd->add_option("--width", args->width, "Image width for .xyt input")
      ->check(CLI::Range(0, 16383));
  cmd->add_option("--height", args->height, "Image height for .xyt input (needed for nist)")
      ->check(CLI::Range(0, 16383));
  cmd->add_option("--dpi", args->dpi, "Resolution for .xyt input")->check(CLI::Range(1, 10000));
  cmd->add_flag("--allow-empty", args->allow_empty, "Accept views with no minutiae");
  return [args] {
    DecodeOptions in_opts;
    in_opts.allow_empty = args->allow_empty;
    in_opts.xyt_convention = args->xyt_convention == "m1" ? XytConvention::m1 : XytConvention::nist;
    in_opts.xyt_width = static_cast<std::uint16_t>(args->width);
    in_opts.xyt_height = static_cast<std::uint16_t>(args->height);
    in_opts.xyt_dpi = static_cast<std::uint16_t>(args->dpi);
    std::optional<TemplateFormat> from;
    if (!args->from.empty()) from = parse_format(args->from, "input");
    TemplateFormat to;
    if (!args->to.empty()) {
      to = parse_format(args->to, "output");
    } else if (auto f = format_from_extension(args->output)) {
      to = *f;
    } else {
      throw Error(ErrorCode::invalid_argument,
                  "cannot tell the output format from \"" + args->output + "\": use --to");
    }
    const auto file = sdk::load_template_file(args->input, from, in_opts);
    EncodeOptions out_opts;
    out_opts.xyt_convention = in_opts.xyt_convention;
    sdk::save_template_file(args->output, file.views, to, out_opts);
    std::cout << args->input << " (" << to_string(file.format) << ", " << file.views.size()
              << (file.views.size() == 1 ? " view" : " views") << ") -> " << args->output << " ("
              << to_string(to) << ")\n";
    return 0;
  };
}

}  // namespace tunggal::cli
