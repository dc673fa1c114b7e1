namespace MlCustomer.Core.SampleData;

/// <summary>
/// The sample retailer's year: how busy each day is (November–December peak with a Black-Friday week,
/// a summer dip, a weekly pattern), which days run a promotion, and when new customers tend to sign up.
/// Precomputed per day from <c>Start</c> so that simulation and ground truth read the same numbers.
/// </summary>
internal sealed class RetailCalendar
{
    private static readonly double[] MonthFactor = [0.95, 0.85, 0.95, 0.95, 1.00, 0.95, 0.80, 0.80, 0.95, 1.00, 1.15, 1.50];

    // Indexed by DayOfWeek, so Sunday first: Sunday evening and Monday are the busiest online.
    private static readonly double[] WeekdayFactor = [1.10, 1.05, 0.95, 0.95, 0.98, 0.95, 1.02];

    private static readonly double[] SignupMonthFactor = [1.20, 1.00, 1.00, 1.00, 1.00, 0.95, 0.85, 0.85, 1.00, 1.00, 1.35, 1.25];

    public RetailCalendar(DateOnly start, DateOnly last)
    {
        Start = start;
        Days = last.DayNumber - start.DayNumber + 1;
        Season = new double[Days];
        Promotion = new bool[Days];

        var year = 0;
        var yearMean = 1.0;
        for (var i = 0; i < Days; i++)
        {
            var date = start.AddDays(i);
            if (date.Year != year)
            {
                year = date.Year;
                yearMean = MeanRawSeason(year);
            }

            // Normalised per calendar year so that a rate "per year" means that many purchases in an average year.
            Season[i] = RawSeason(date) / yearMean;
            Promotion[i] = IsPromotion(date);
        }
    }

    /// <summary>The first day; day index 0.</summary>
    public DateOnly Start { get; }

    /// <summary>Number of days covered.</summary>
    public int Days { get; }

    /// <summary>Purchase intensity multiplier per day, mean 1 over each calendar year.</summary>
    public double[] Season { get; }

    /// <summary>True on promotion days.</summary>
    public bool[] Promotion { get; }

    public int IndexOf(DateOnly date) => date.DayNumber - Start.DayNumber;

    public DateOnly DateAt(int index) => Start.AddDays(index);

    /// <summary>Friday after the fourth Thursday of November.</summary>
    public static DateOnly BlackFriday(int year)
    {
        var first = new DateOnly(year, 11, 1);
        var firstThursday = 1 + ((int)DayOfWeek.Thursday - (int)first.DayOfWeek + 7) % 7;
        return new DateOnly(year, 11, firstThursday + 22);
    }

    /// <summary>
    /// Promotion periods: January sale, spring sale, summer sale, back-to-school week, and Black Friday
    /// through Cyber Monday. Fixed each year, about 12% of days.
    /// </summary>
    public static bool IsPromotion(DateOnly date)
    {
        var (m, d) = (date.Month, date.Day);
        if ((m == 1 && d is >= 2 and <= 14) || (m == 3 && d is >= 20 and <= 26) || (m == 6 && d >= 24) ||
            (m == 7 && d <= 7) || (m == 9 && d <= 5))
        {
            return true;
        }

        var blackFriday = BlackFriday(date.Year);
        return date.DayNumber >= blackFriday.DayNumber && date.DayNumber <= blackFriday.DayNumber + 3;
    }

    /// <summary>Relative signup intensity of a day (before the growth trend): holiday shoppers and promotions bring new customers.</summary>
    public static double SignupSeason(DateOnly date) =>
        SignupMonthFactor[date.Month - 1] * (IsPromotion(date) ? 1.5 : 1.0);

    private static double RawSeason(DateOnly date)
    {
        var factor = MonthFactor[date.Month - 1];
        if (date.Month == 12)
        {
            // Christmas shopping until the 22nd, a lull over the holidays, then gift-card and sale shopping.
            factor = date.Day switch
            {
                <= 22 => 1.70,
                <= 26 => 0.60,
                _ => 1.00,
            };
        }

        var blackFriday = BlackFriday(date.Year).DayNumber;
        var day = date.DayNumber;
        if (day >= blackFriday && day <= blackFriday + 3)
        {
            factor *= 2.6;
        }
        else if (day >= blackFriday - 4 && day < blackFriday)
        {
            factor *= 1.4;
        }

        return factor * WeekdayFactor[(int)date.DayOfWeek];
    }

    private static double MeanRawSeason(int year)
    {
        var first = new DateOnly(year, 1, 1);
        var days = DateTime.IsLeapYear(year) ? 366 : 365;
        var sum = 0.0;
        for (var i = 0; i < days; i++)
        {
            sum += RawSeason(first.AddDays(i));
        }

        return sum / days;
    }
}
