// The generator's tunables by name (`--master-param`, `--impression-param`
// of the realism tool), with the engine's refusals for unknown names and
// values out of range.
#include "common/param_table.h"
#include "tunggal/datasets/synthetic_finger.h"

namespace tunggal::datasets {
namespace {

constexpr detail::ParamField<MasterParams> kMasterFields[] = {
    {"ridge_period_mean", &MasterParams::ridge_period_mean, nullptr, 4, 20},
    {"ridge_period_sd", &MasterParams::ridge_period_sd, nullptr, 0, 5},
    {"ridge_period_variation", &MasterParams::ridge_period_variation, nullptr, 0, 0.5},
    {"period_grid", &MasterParams::period_grid, nullptr, 2, 64},
    {"period_smoothness", &MasterParams::period_smoothness, nullptr, 0, 100},
    {"period_pull", &MasterParams::period_pull, nullptr, 0, 100},
    {"period_singular_radius", &MasterParams::period_singular_radius, nullptr, 0, 200},
    {"period_min_ratio", &MasterParams::period_min_ratio, nullptr, 0.2, 1},
    {"period_max_ratio", &MasterParams::period_max_ratio, nullptr, 1, 5},
    {"orientation_correction", &MasterParams::orientation_correction, nullptr, 0, 2},
    {"loop_shape_min", &MasterParams::loop_shape_min, nullptr, 0, 1},
    {"loop_shape_max", &MasterParams::loop_shape_max, nullptr, 0, 1},
    {"whorl_radius_min", &MasterParams::whorl_radius_min, nullptr, 0, 400},
    {"whorl_radius_max", &MasterParams::whorl_radius_max, nullptr, 0, 400},
    {"growth_iterations", nullptr, &MasterParams::growth_iterations, 1, 100},
    {"seed_density", &MasterParams::seed_density, nullptr, 1e-6, 0.1},
    {"bifurcation_cut_share", &MasterParams::bifurcation_cut_share, nullptr, 0, 1},
    {"border_margin", nullptr, &MasterParams::border_margin, 0, 50},
    {"sampled_minutiae_density", &MasterParams::sampled_minutiae_density, nullptr, 1e-5, 0.01},
    {"sampled_min_distance", &MasterParams::sampled_min_distance, nullptr, 1, 50},
    {"max_creases", nullptr, &MasterParams::max_creases, 0, 50},
    {"crease_width_min", &MasterParams::crease_width_min, nullptr, 0.5, 20},
    {"crease_width_max", &MasterParams::crease_width_max, nullptr, 0.5, 20},
    {"crease_length_min", &MasterParams::crease_length_min, nullptr, 1, 1000},
    {"crease_length_max", &MasterParams::crease_length_max, nullptr, 1, 1000},
    {"scar_probability", &MasterParams::scar_probability, nullptr, 0, 1},
    {"sampled_bifurcation_share", &MasterParams::sampled_bifurcation_share, nullptr, 0, 1},
};

constexpr detail::ParamField<ImpressionParams> kImpressionFields[] = {
    {"max_rotation_deg", &ImpressionParams::max_rotation_deg, nullptr, 0, 180},
    {"translation_sd", &ImpressionParams::translation_sd, nullptr, 0, 100},
    {"distortion_rotation_deg", &ImpressionParams::distortion_rotation_deg, nullptr, 0, 30},
    {"distortion_shift", &ImpressionParams::distortion_shift, nullptr, 0, 50},
    {"brake_width", &ImpressionParams::brake_width, nullptr, 1, 300},
    {"contact_min", &ImpressionParams::contact_min, nullptr, 0.1, 1.5},
    {"contact_max", &ImpressionParams::contact_max, nullptr, 0.1, 1.5},
    {"max_wet", &ImpressionParams::max_wet, nullptr, 0, 2},
    {"max_dry", &ImpressionParams::max_dry, nullptr, 0, 2},
    {"noise_sd", &ImpressionParams::noise_sd, nullptr, 0, 60},
    {"scratch_probability", &ImpressionParams::scratch_probability, nullptr, 0, 1},
    {"pressure_variation", &ImpressionParams::pressure_variation, nullptr, 0, 2},
    {"max_smudges", nullptr, &ImpressionParams::max_smudges, 0, 50},
    {"smudge_radius_max", &ImpressionParams::smudge_radius_max, nullptr, 12, 200},
    {"grain_strength", &ImpressionParams::grain_strength, nullptr, 0, 400},
    {"pore_strength", &ImpressionParams::pore_strength, nullptr, 0, 400},
    {"position_jitter", &ImpressionParams::position_jitter, nullptr, 0, 20},
    {"angle_jitter_deg", &ImpressionParams::angle_jitter_deg, nullptr, 0, 90},
    {"drop_rate", &ImpressionParams::drop_rate, nullptr, 0, 1},
    {"spurious_rate", &ImpressionParams::spurious_rate, nullptr, 0, 2},
    {"type_flip_rate", &ImpressionParams::type_flip_rate, nullptr, 0, 1},
    {"contact_margin", &ImpressionParams::contact_margin, nullptr, 0, 50},
};

}  // namespace

void set_master_param(MasterParams& p, std::string_view name, double value) {
  detail::set_param(p, kMasterFields, "master", name, value);
}
std::vector<std::string> master_param_names() { return detail::param_names(kMasterFields); }

void set_impression_param(ImpressionParams& p, std::string_view name, double value) {
  detail::set_param(p, kImpressionFields, "impression", name, value);
}
std::vector<std::string> impression_param_names() { return detail::param_names(kImpressionFields); }

}  // namespace tunggal::datasets
