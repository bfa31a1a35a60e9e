namespace Conduit.Simulators; internal static class Placeholder { }
