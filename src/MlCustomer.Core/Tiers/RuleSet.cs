using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using MlCustomer.Core.Decisions;

namespace MlCustomer.Core.Tiers;

/// <summary>
/// Every setting of the profit-tier and retention rules, with the defaults of the product brief: one
/// JSON-serialisable tree. <see cref="Default"/> is the single source of the defaults; the trainer writes
/// <see cref="ToJson"/> into the bundle and <see cref="Load"/> reads an override. A file may give only the
/// parts it changes: a property left out keeps its default, a property given replaces the default whole
/// (an <c>actions</c> object replaces every default action).
/// </summary>
public sealed record RuleSet
{
    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        Converters =
        {
            new WireNameJsonConverter<ProfitTier>(),
            new WireNameJsonConverter<RiskBand>(),
            new WireNameJsonConverter<LifecycleStage>(),
            new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false),
        },
    };

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,

        // The rules file is edited by people and never embedded in HTML: write "+" and "≥" as themselves.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters =
        {
            new WireNameJsonConverter<ProfitTier>(),
            new WireNameJsonConverter<RiskBand>(),
            new WireNameJsonConverter<LifecycleStage>(),
            new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false),
        },
    };

    /// <summary>The defaults of the brief (see the property defaults).</summary>
    public static RuleSet Default { get; } = new();

    /// <summary>Profit tiers: percentile shares A 20 / B 30 / C 30 / D 20 over the last 365 days by default.</summary>
    public TierRules Tiers { get; init; } = new();

    /// <summary>When cost-to-serve is subtracted from profit (<see cref="Profit"/>): by default from every customer.</summary>
    public CostToServeRule CostToServe { get; init; } = new();

    /// <summary>False big customer: revenue in the top 20% but gross margin &lt; 10% or tier C/D by default.</summary>
    public FalseBigCustomerRule FalseBigCustomer { get; init; } = new();

    /// <summary>Lifecycle stages from tenure, recency relative to the customer's rhythm, and churn probability.</summary>
    public LifecycleRules Lifecycle { get; init; } = new();

    /// <summary>Risk bands: low &lt; 0.3 ≤ medium &lt; 0.6 ≤ high by default.</summary>
    public RiskBandRules RiskBands { get; init; } = new();

    /// <summary>The actions the matrix can choose, by key, with their offer costs.</summary>
    public IReadOnlyDictionary<string, ActionDefinition> Actions { get; init; } = DefaultActions();

    /// <summary>The action matrix: rows tried in order, the first match decides (see <see cref="ActionRule"/>).</summary>
    public IReadOnlyList<ActionRule> ActionMatrix { get; init; } = DefaultMatrix();

    /// <summary>Default share of targeted churners a retention offer keeps (0.3, as the trainer's offer threshold).</summary>
    public double SaveRate { get; init; } = 0.3;

    /// <summary>Reads and validates a rules file (comments and trailing commas allowed, unknown properties refused).</summary>
    /// <exception cref="RuleSetException">The file is missing, not valid JSON, or breaks a rule; names each property at fault.</exception>
    public static RuleSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return File.Exists(path)
            ? FromJson(File.ReadAllText(path), path)
            : throw new RuleSetException(path, [new RuleProblem("", "rules file not found")]);
    }

    /// <summary>Parses and validates rules JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="RuleSetException">Not valid JSON or breaks a rule.</exception>
    public static RuleSet FromJson(string json, string source = "rules")
    {
        ArgumentNullException.ThrowIfNull(json);
        RuleSet? rules;
        try
        {
            rules = JsonSerializer.Deserialize<RuleSet>(json, ReadOptions);
        }
        catch (JsonException e)
        {
            var path = e.Path is { } p ? p.TrimStart('$').TrimStart('.') : "";
            var line = e.LineNumber is { } l ? string.Create(CultureInfo.InvariantCulture, $" (line {l + 1})") : "";
            var message = e.Message.Split(" Path:")[0];
            if (message.Contains("could not be mapped", StringComparison.Ordinal))
            {
                // The serializer names the .NET type; the user needs to know the property is not one of ours.
                message = $"unknown property '{path.Split('.')[^1]}'";
            }

            throw new RuleSetException(source, [new RuleProblem(path, $"not valid rules{line}: {message}")]);
        }

        if (rules is null)
        {
            throw new RuleSetException(source, [new RuleProblem("", "the rules are empty (null)")]);
        }

        var problems = rules.Validate();
        return problems.Count == 0 ? rules : throw new RuleSetException(source, problems);
    }

    /// <summary>The rules as indented JSON, readable by <see cref="FromJson"/>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, WriteOptions);

    /// <summary>Every problem with these rules, each with its JSON path; empty when they are usable.</summary>
    public IReadOnlyList<RuleProblem> Validate()
    {
        var problems = new List<RuleProblem>();
        Tiers.Validate("tiers", problems);
        FalseBigCustomer.Validate("falseBigCustomer", problems);
        Lifecycle.Validate("lifecycle", problems);
        RiskBands.Validate("riskBands", problems);
        if (!(SaveRate is >= 0 and <= 1))
        {
            problems.Add(new("saveRate", $"must be between 0 and 1, not {RuleProblem.Show(SaveRate)}"));
        }

        foreach (var (key, action) in Actions)
        {
            ValidateAction(key, action, problems);
        }

        if (ActionMatrix.Count == 0)
        {
            problems.Add(new("actionMatrix", "needs at least one row"));
        }

        for (var i = 0; i < ActionMatrix.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"actionMatrix[{i}]");
            if (ActionMatrix[i] is null)
            {
                problems.Add(new(path, "must be a row, not null"));
            }
            else
            {
                ActionMatrix[i].Validate(path, Actions, problems);
            }
        }

        if (problems.Count > 0)
        {
            // The coverage check below runs the matrix; with broken rows it would only repeat their errors.
            return problems;
        }

        var uncovered = Uncovered();
        if (uncovered.Count > 0)
        {
            var first = uncovered[0];
            problems.Add(new("actionMatrix", string.Create(
                CultureInfo.InvariantCulture,
                $"no row matches {uncovered.Count} combination(s), e.g. tier {first.Tier}, predicted tier {first.PredictedTier}, risk {first.RiskBand}, stage {first.Stage}, {(first.LossMaking ? "loss-making" : "not loss-making")}, {(first.FalseBigCustomer ? "false big customer" : "not a false big customer")}; end the matrix with a row without conditions")));
        }

        return problems;
    }

    /// <summary>The rules in words, one line per rule and one per matrix row.</summary>
    public IReadOnlyList<string> Describe()
    {
        var lines = new List<string>
        {
            Tiers.Describe(),
            CostToServe.Describe(),
            FalseBigCustomer.Describe(),
            "lifecycle: " + Lifecycle.Describe(),
            RiskBands.Describe(),
        };
        for (var i = 0; i < ActionMatrix.Count; i++)
        {
            var row = ActionMatrix[i];
            var action = Actions.GetValueOrDefault(row.Action);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"action rule {i + 1}: {row.Describe()} → {row.Action}") +
                (action is null ? "" : $" ({action.Description}, offer cost {Show.Amount(action.OfferCost)})"));
        }

        return lines;
    }

    /// <summary>The action for one customer: the first matching row, its index, and the action's definition.</summary>
    internal (int Row, ActionRule Rule, ActionDefinition Action) ChooseAction(in ActionInput input)
    {
        for (var i = 0; i < ActionMatrix.Count; i++)
        {
            if (ActionMatrix[i].Matches(input))
            {
                return (i, ActionMatrix[i], Actions[ActionMatrix[i].Action]);
            }
        }

        // Validate() refuses a matrix with uncovered combinations, so only a segment-only matrix built in
        // code without validation can get here.
        throw new InvalidOperationException($"no action rule matches tier {input.Tier}, risk {input.RiskBand}, stage {input.Stage}; validate the rules (RuleSet.Validate) before deciding.");
    }

    private static void ValidateAction(string key, ActionDefinition action, List<RuleProblem> problems)
    {
        var path = $"actions.{key}";
        if (string.IsNullOrWhiteSpace(key))
        {
            problems.Add(new("actions", "action keys must not be empty"));
        }

        if (action is null)
        {
            problems.Add(new(path, "must define the action, not null"));
            return;
        }

        if (string.IsNullOrWhiteSpace(action.Description))
        {
            problems.Add(new($"{path}.description", "must describe the action"));
        }

        if (!double.IsFinite(action.OfferCost) || action.OfferCost < 0)
        {
            problems.Add(new($"{path}.offerCost", $"must be a number ≥ 0, not {RuleProblem.Show(action.OfferCost)}"));
        }
        else if (action.PaidOffer && action.OfferCost == 0)
        {
            problems.Add(new($"{path}.offerCost", "a paid offer must cost more than 0 (set \"paidOffer\": false for an action without an offer)"));
        }
        else if (!action.PaidOffer && action.OfferCost != 0)
        {
            problems.Add(new($"{path}.offerCost", $"an action without a paid offer costs 0, not {RuleProblem.Show(action.OfferCost)}"));
        }
    }

    /// <summary>Every combination of what the matrix looks at (segment unknown) that no row matches.</summary>
    private List<ActionInput> Uncovered()
    {
        var uncovered = new List<ActionInput>();
        foreach (var tier in Enum.GetValues<ProfitTier>())
        {
            foreach (var predicted in Enum.GetValues<ProfitTier>())
            {
                foreach (var band in Enum.GetValues<RiskBand>())
                {
                    foreach (var stage in Enum.GetValues<LifecycleStage>())
                    {
                        foreach (var loss in (bool[])[false, true])
                        {
                            foreach (var falseBig in (bool[])[false, true])
                            {
                                var input = new ActionInput(tier, predicted, band, stage, loss, falseBig, null);
                                if (!ActionMatrix.Any(row => row.Matches(input)))
                                {
                                    uncovered.Add(input);
                                }
                            }
                        }
                    }
                }
            }
        }

        return uncovered;
    }

    private static Dictionary<string, ActionDefinition> DefaultActions() => new(StringComparer.Ordinal)
    {
        [ActionNames.VipRetention] = new() { Description = "personal contact + VIP retention offer", OfferCost = 50 },
        [ActionNames.TargetedDiscount] = new() { Description = "targeted discount offer", OfferCost = 20 },
        [ActionNames.AutomatedNurture] = new() { Description = "automated nurture", OfferCost = 2 },
        [ActionNames.LoyaltyCare] = new() { Description = "loyalty care + cross-sell high-margin categories", OfferCost = 5 },
        [ActionNames.Onboarding] = new() { Description = "onboarding", OfferCost = 2 },
        [ActionNames.ReduceCostToServe] = new() { Description = "no paid offer: reduce cost-to-serve", OfferCost = 0, PaidOffer = false },
        [ActionNames.ReviewTerms] = new() { Description = "no paid offer: review prices and terms (false big customer)", OfferCost = 0, PaidOffer = false },
        [ActionNames.LetGo] = new() { Description = "no paid offer: let go (unprofitable)", OfferCost = 0, PaidOffer = false },
    };

    private static List<ActionRule> DefaultMatrix()
    {
        LifecycleStage[] slipping = [LifecycleStage.AtRisk, LifecycleStage.Lapsed, LifecycleStage.Churned];
        return
        [
            new() { LossMaking = true, Action = ActionNames.LetGo },
            new() { FalseBigCustomer = true, Action = ActionNames.ReviewTerms },
            new() { Stages = [LifecycleStage.New], Action = ActionNames.Onboarding },
            new() { Tiers = [ProfitTier.D], Action = ActionNames.ReduceCostToServe },
            new() { Tiers = [ProfitTier.A], Stages = slipping, Action = ActionNames.VipRetention },
            new() { Tiers = [ProfitTier.A], RiskBands = [RiskBand.High], Action = ActionNames.VipRetention },
            new() { Tiers = [ProfitTier.B], Stages = slipping, Action = ActionNames.TargetedDiscount },
            new() { Tiers = [ProfitTier.B], RiskBands = [RiskBand.High], Action = ActionNames.TargetedDiscount },
            new() { Tiers = [ProfitTier.C], Action = ActionNames.AutomatedNurture },
            new() { Tiers = [ProfitTier.A, ProfitTier.B], Action = ActionNames.LoyaltyCare },
        ];
    }
}
