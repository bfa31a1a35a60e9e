System.Console.WriteLine("conduit");
