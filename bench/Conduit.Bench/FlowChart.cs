using ScottPlot;

namespace Conduit.Bench;

/// <summary>docs/benchmarks-flow.png: completed throughput and p99 latencies against offered load (ScottPlot 5).</summary>
public static class FlowChart
{
    public static string Write(IReadOnlyList<FlowScenario.FlowRun> runs)
    {
        var offered = runs.Select(r => r.Rate).ToArray();
        var plot = new Plot();
        plot.Title("Conduit flow: intake → ServiceNow → callback → UEM install → Installed (SQLite)");
        plot.XLabel("offered load (flows/s)");
        plot.YLabel("completed flows/s");
        plot.Axes.Right.Label.Text = "p99 latency (ms)";

        var ideal = plot.Add.Scatter(offered, offered);
        ideal.LegendText = "offered (ideal)";
        ideal.LinePattern = LinePattern.Dashed;
        ideal.MarkerSize = 0;
        ideal.Color = Colors.Gray;

        var done = plot.Add.Scatter(offered, runs.Select(r => r.Throughput).ToArray());
        done.LegendText = "completed flows/s";
        done.LineWidth = 2;
        done.MarkerSize = 7;

        var e2e = plot.Add.Scatter(offered, runs.Select(r => Finite(r.E2eP99)).ToArray());
        e2e.LegendText = "intake→Installed p99 (ms, right)";
        e2e.Axes.YAxis = plot.Axes.Right;
        e2e.LinePattern = LinePattern.Dotted;

        var callback = plot.Add.Scatter(offered, runs.Select(r => Finite(r.CallbackP99)).ToArray());
        callback.LegendText = "callback→dispatch p99 (ms, right)";
        callback.Axes.YAxis = plot.Axes.Right;
        callback.LinePattern = LinePattern.Dotted;

        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(RepoRoot(), "docs", "benchmarks-flow.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        plot.SavePng(path, 1000, 560);
        return path;
    }

    private static double Finite(double v) => double.IsNaN(v) ? 0 : v;

    /// <summary>The folder holding Conduit.slnx, looked for upwards from the working directory, else the working directory.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Conduit.slnx"))) return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
