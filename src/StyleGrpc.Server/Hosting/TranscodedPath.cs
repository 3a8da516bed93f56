using System.Text.RegularExpressions;
using Google.Api;

namespace StyleGrpc.Server.Hosting;

/// <summary>
/// An HTTP rule's path template as an OpenAPI path. Microsoft.AspNetCore.Grpc.Swagger renders a resource-name variable
/// such as <c>{name=styles/*}</c> as a bare <c>{name}</c>, so <c>GET /v1/{name=styles/*}</c> and
/// <c>GET /v1/{name=operations/**}</c> would both become <c>GET /v1/{name}</c> (a conflict that fails the whole document)
/// and neither says which URLs exist. Here the variable's literal segments stay in the path and its wildcard becomes the
/// parameter: <c>/v1/styles/{name}</c>, <c>/v1/operations/{name}</c>; a variable without wildcard
/// (<c>{name=operations}</c>) is a literal and no parameter at all.
/// </summary>
/// <param name="Path">The OpenAPI path, without the leading slash (as ApiExplorer's relative paths are).</param>
/// <param name="Wildcards">Each rewritten variable (field path) and its template, e.g. <c>name</c> → <c>styles/*</c>.</param>
/// <param name="Literals">Variables that match one fixed path and so take no value.</param>
internal sealed partial record TranscodedPath(string Path, IReadOnlyDictionary<string, string> Wildcards, IReadOnlySet<string> Literals)
{
    /// <summary>The path of <paramref name="rule"/>, or null for a rule without one.</summary>
    public static TranscodedPath? Of(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => Parse(rule.Get),
        HttpRule.PatternOneofCase.Put => Parse(rule.Put),
        HttpRule.PatternOneofCase.Post => Parse(rule.Post),
        HttpRule.PatternOneofCase.Delete => Parse(rule.Delete),
        HttpRule.PatternOneofCase.Patch => Parse(rule.Patch),
        HttpRule.PatternOneofCase.Custom => Parse(rule.Custom.Path),
        _ => null,
    };

    /// <summary>Rewrites <paramref name="template"/> (google.api.http syntax, e.g. <c>/v1/{name=styles/*}/image</c>).</summary>
    public static TranscodedPath Parse(string template)
    {
        var wildcards = new Dictionary<string, string>(StringComparer.Ordinal);
        var literals = new HashSet<string>(StringComparer.Ordinal);
        var path = Variable().Replace(template, match =>
        {
            var field = match.Groups["field"].Value;
            if (!match.Groups["template"].Success)
            {
                return match.Value;
            }
            var segments = match.Groups["template"].Value.Split('/');
            var wildcard = Array.FindAll(segments, s => s is "*" or "**");
            if (wildcard.Length == 0)
            {
                literals.Add(field);
                return match.Groups["template"].Value;
            }
            if (wildcard.Length > 1)
            {
                // Two values in one field cannot be one OpenAPI parameter: keep the generator's rendering.
                return $"{{{field}}}";
            }
            wildcards[field] = match.Groups["template"].Value;
            return string.Join('/', segments.Select(s => s is "*" or "**" ? $"{{{field}}}" : s));
        });
        return new TranscodedPath(path.TrimStart('/'), wildcards, literals);
    }

    [GeneratedRegex(@"\{(?<field>[^}=]+)(=(?<template>[^}]+))?\}")]
    private static partial Regex Variable();
}
