using StyleGrpc.Engine.Imaging;

namespace StyleGrpc.Server.Styles;

/// <summary>A validated registration: what <see cref="StyleRegistry.RegisterAsync"/> stores.</summary>
/// <param name="Id">The style ID (already valid).</param>
/// <param name="DisplayName">Human-readable name; empty = the ID.</param>
/// <param name="Image">The uploaded image bytes, stored as they came.</param>
/// <param name="Decoded">The decoded image.</param>
/// <param name="StyleSize">Longer side the image is scaled to for its targets.</param>
/// <param name="Preset">A preset of the serving network.</param>
/// <param name="Replace">Replace an existing style with this ID.</param>
public sealed record StyleRegistration(string Id, string DisplayName, byte[] Image, RgbImage Decoded, int StyleSize, string Preset, bool Replace);
