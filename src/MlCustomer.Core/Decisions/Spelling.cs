namespace MlCustomer.Core.Decisions;

/// <summary>How closed-set values are spelled in CSV and JSON (camelCase, as the API's JSON).</summary>
public static class Spelling
{
    /// <summary>low, medium, high.</summary>
    public static string Of(RiskBand band) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(band.ToString());

    /// <summary>new, active, atRisk, lapsed, churned.</summary>
    public static string Of(LifecycleStage stage) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(stage.ToString());
}
