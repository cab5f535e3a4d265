from connectapps.cli import main

raise SystemExit(main())
