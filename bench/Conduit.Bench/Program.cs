Console.Error.WriteLine("conduit-bench: scenarios are being built (intake, flow, scale, all)");
return 2;
