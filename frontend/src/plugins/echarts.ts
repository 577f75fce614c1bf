/** ECharts on demand: only the charts and components the app draws. Imported by chart components only. */
import { use } from 'echarts/core'
import { BarChart, LineChart, PieChart, CustomChart } from 'echarts/charts'
import { DatasetComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent, DataZoomComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, LineChart, PieChart, CustomChart, DatasetComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent, DataZoomComponent, CanvasRenderer])
