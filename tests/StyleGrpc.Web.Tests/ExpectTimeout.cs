using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace StyleGrpc.Web.Tests;

/// <summary>
/// Every <c>Expect</c> waits as long as the page's actions do (<see cref="PageTests.Timeout"/>), not Playwright's 5 s: a
/// small job on a loaded 2-core machine can take longer than that, and a bound only has to keep a hang from stalling the run.
/// </summary>
internal static class ExpectTimeout
{
    [ModuleInitializer]
    internal static void Set() => Assertions.SetDefaultExpectTimeout(PageTests.Timeout);
}
